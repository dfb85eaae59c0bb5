"""NonFiniteLossHook's divergence guard: runaway trainable parameters and validation
scores stop the run, naming the iteration, the tensor and the config key."""
import math
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from mmpretrain.structures import DataSample

from lmpt_mm.engine.hooks import NonFiniteLossHook
from lmpt_mm.engine.hooks.non_finite_loss_hook import largest_abs


class Prompted(torch.nn.Module):
    """Trainable prompt context beside a frozen encoder weight."""

    def __init__(self):
        super().__init__()
        self.ctx = torch.nn.Parameter(torch.zeros(4, 8))
        self.encoder = torch.nn.Linear(8, 8)
        self.encoder.requires_grad_(False)


def runner_at(model, iteration: int, epoch: int, training: bool = True):
    return SimpleNamespace(model=model, iter=iteration, epoch=epoch, hooks=[],
                           _train_loop=object() if training else None)


FINITE = dict(loss=torch.tensor(0.5))


def test_runaway_prompt_with_a_finite_loss_stops_at_the_next_check():
    model = Prompted()
    hook = NonFiniteLossHook(interval=10)
    with torch.no_grad():
        model.ctx[2, 3] = -7e9  # LMPT at lr 1e6: the loss stays finite
        model.encoder.weight.fill_(1e12)  # frozen: never checked
    hook.after_train_iter(runner_at(model, 3, 0), 3, outputs=FINITE)  # not a check
    with pytest.raises(FloatingPointError) as err:
        hook.after_train_iter(runner_at(model, 9, 0), 9, outputs=FINITE)
    assert str(err.value).startswith(
        'training diverged: parameter ctx holds |value| 7e+09 at iteration 10 (epoch 1, '
        'batch 10), beyond the divergence bound 1e+06 (divergence_guard.max_abs_param).')
    assert '--cfg-options divergence_guard.max_abs_param=7e+10' in str(err.value)
    with pytest.raises(FloatingPointError, match=r'at iteration 4 \(the end of epoch 1\)'):
        hook.after_train_epoch(runner_at(model, 4, 0))
    with pytest.raises(FloatingPointError, match=r'at iteration 4 \(epoch 1\), before '
                       'saving its checkpoint'):
        hook.before_save_checkpoint(runner_at(model, 3, 0),
                                    dict(meta=dict(iter=4, epoch=1)))
    NonFiniteLossHook(max_abs_param=1e10).after_train_epoch(runner_at(model, 4, 0))
    NonFiniteLossHook(max_abs_param=math.inf).after_train_epoch(runner_at(model, 4, 0))


def test_nan_parameter_is_named_before_validation():
    model = Prompted()
    with torch.no_grad():
        model.ctx[0, 0] = float('nan')
    with pytest.raises(FloatingPointError, match=r'parameter ctx holds non-finite values '
                       r'after iteration 8 \(epoch 2\), before validation'):
        NonFiniteLossHook().before_val(runner_at(model, 8, 2))


def test_validation_scores_name_the_training_iteration():
    hook = NonFiniteLossHook()
    good = [DataSample().set_pred_score(torch.tensor([0.2, 0.9]))]
    hook.after_val_iter(runner_at(Prompted(), 8, 2), 0, outputs=good)
    bad = good + [DataSample().set_pred_score(torch.tensor([float('nan'), 0.1]))]
    with pytest.raises(FloatingPointError) as err:
        hook.after_val_iter(runner_at(Prompted(), 8, 2), 2, outputs=bad)
    assert str(err.value).startswith(
        'validation after training iteration 8 (epoch 2), batch 3: the prediction scores '
        'of its sample 1 are non-finite, beyond the bound 1e+06 '
        '(divergence_guard.max_abs_score)')


def test_largest_abs_and_bad_arguments():
    assert largest_abs([('a', torch.tensor([1.0, -3.0])), ('b', torch.tensor([2.0])),
                        ('empty', torch.zeros(0))]) == ('a', 3.0)
    assert largest_abs([]) is None
    with pytest.raises(ValueError, match='divergence_guard.max_abs_param must be > 0'):
        NonFiniteLossHook(max_abs_param=0)
    with pytest.raises(ValueError, match='divergence_guard.interval must be >= 1'):
        NonFiniteLossHook(interval=0)


def test_train_tool_passes_the_config_bounds_to_the_hook(tmp_path, mm_log):
    from lmpt_mm.cli.runner_setup import prepare_train_cfg
    config = Path(__file__).resolve().parents[1] / 'fixtures' / 'tiny_resnet_lt.py'
    args = SimpleNamespace(config=str(config), work_dir=str(tmp_path), amp=False,
                           unsafe_load=False, no_validate=False, resume=None,
                           auto_scale_lr=False, launcher='none', force_work_dir=False,
                           cfg_options={'divergence_guard.max_abs_param': 1e9,
                                        'divergence_guard.interval': 5})
    cfg = prepare_train_cfg(args)
    (guard, ) = [h for h in cfg.custom_hooks if h['type'] == 'NonFiniteLossHook']
    assert guard == dict(type='NonFiniteLossHook', max_abs_param=1e9, interval=5)
    assert not [m for m in mm_log.messages() if 'divergence_guard' in m]
    assert {'type': 'ClassListCheckHook'} in cfg.custom_hooks
