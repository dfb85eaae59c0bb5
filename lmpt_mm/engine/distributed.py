"""Process-group lifetime for CPU (gloo) and GPU runs of the train/test tools."""
import gc
import os

import torch.distributed as torch_dist


def init_cpu_process_group() -> None:
    """Create the gloo process group from torchrun's environment, once.

    MMEngine's pytorch launcher calls ``torch.cuda.set_device``, which does not exist
    on CPU; creating the group first makes the runner skip its own initialisation.
    """
    if torch_dist.is_initialized():
        return
    for var in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        if var not in os.environ:
            raise RuntimeError(f'--launcher pytorch needs {var} in the environment:'
                               ' start through torchrun (tools/dist_train.sh)')
    torch_dist.init_process_group(backend='gloo')


def shutdown_distributed() -> None:
    """Tear down the process group once the run has finished.

    Left to interpreter exit, gloo's background threads can be destroyed while still
    joinable, which aborts the process (``terminate called without an active
    exception``) after a successful run. Call this after the runner is dropped: the
    garbage collection frees its DDP wrapper (which holds the group) now, a barrier
    lets every rank finish its last collective, and destroying the group then
    releases its last reference while the interpreter is still whole.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        gc.collect()
        torch_dist.barrier()
        torch_dist.destroy_process_group()
