"""The top-level ``feature_cache = dict(...)`` config switch."""
from typing import Any

FEATURE_CACHE_HOOK = 'FeatureCacheHook'


def apply_feature_cache_cfg(cfg: Any) -> None:
    """Turn a top-level ``feature_cache = dict(enable=True, ...)`` into the hook entry.

    ``feature_cache`` takes :class:`FeatureCacheHook`'s arguments (``enable``,
    ``num_views``, ``dir``, ``batch_size``, ``num_workers``, ``image_fingerprint``).
    An explicit ``FeatureCacheHook`` in ``custom_hooks`` is updated with them; with
    ``enable=False`` (or no ``feature_cache``) nothing is added.
    """
    options = cfg.get('feature_cache')
    if not options:
        return
    options = dict(options)
    hooks = list(cfg.get('custom_hooks') or [])
    for hook in hooks:
        if hook.get('type') == FEATURE_CACHE_HOOK:
            hook.update(options)
            break
    else:
        if not options.get('enable', True):
            return
        hooks.append(dict(type=FEATURE_CACHE_HOOK, **options))
    cfg.custom_hooks = hooks
