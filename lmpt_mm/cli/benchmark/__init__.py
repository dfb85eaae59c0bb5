"""Speed and memory figures of lmpt_mm's fast paths (``tools/benchmark.py``).

One module per measurement:

* :mod:`.train_speed` - training steps on images vs on cached features of the same
  batches, and the model step against its irreducible cost;
* :mod:`.step_cost` - the irreducible cost of a cached step (text encoder forward +
  backward on the ``C`` prompts, logits, losses) and its timing;
* :mod:`.flops` - the analytic FLOP split of a step (image side / text side) and the
  speed-up the cache can buy at most;
* :mod:`.text_speed` - the text encoder's exact fast paths against the plain one;
* :mod:`.eval_speed` - evaluation images/s of the full model vs the image encoder;
* :mod:`.cse_memory` - the CSE loss's token mode against the naive broadcast;
* :mod:`.whole_run` - a whole short run on a generated random-image world;
* :mod:`.config_run` - the config's own training, uncached and cached, with
  ``cached_step_overhead`` and the overhead by component;
* :mod:`.format` - the printed table; :mod:`.repeats` - medians of alternating
  repeats, how every timed figure is taken.

Synthetic batches are random images at the encoder's input size (speed does not
depend on the pixels or the weights); they are already decoded, so the training
speed-up measured on them leaves out the JPEG decoding the cache also saves (the
whole-run and config-run figures include it).
"""
from .common import (benchmark_model_cfg, build_model, device_name, feature_batch,
                     image_size, synthetic_batches)
from .config_run import EpochTimer, StepProfile, config_run, config_run_cfg, config_runs
from .cse_memory import COCO_LT_CSE_SIZE, cse_memory
from .eval_speed import eval_throughput
from .flops import count_flops, flop_split
from .format import format_table
from .repeats import alternate, median
from .step_cost import (headline_overhead, irreducible_step, time_irreducible,
                        uses_split_loss)
from . import text_speed
from .text_speed import text_encoder_speed
from .train_speed import train_throughput
from .whole_run import whole_run, whole_run_cfg, whole_runs

__all__ = [
    'COCO_LT_CSE_SIZE', 'EpochTimer', 'StepProfile', 'alternate', 'benchmark_model_cfg',
    'build_model', 'config_run', 'config_run_cfg', 'config_runs', 'count_flops',
    'cse_memory', 'device_name', 'eval_throughput', 'feature_batch', 'flop_split',
    'format_table', 'headline_overhead', 'image_size', 'irreducible_step', 'median',
    'synthetic_batches', 'text_encoder_speed', 'text_speed', 'time_irreducible',
    'train_throughput', 'uses_split_loss', 'whole_run', 'whole_run_cfg', 'whole_runs'
]
