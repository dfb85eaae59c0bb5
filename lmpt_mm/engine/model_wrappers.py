"""DDP wrapper that also runs on CPU (gloo)."""
from __future__ import annotations

import torch
from mmengine.model import MMDistributedDataParallel
# Registered in the root registry: the runner looks wrappers up there.
from mmengine.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class DeviceAgnosticDDP(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` that drops ``device_ids`` for CPU modules.

    MMEngine always passes ``device_ids=[LOCAL_RANK]``, which DDP rejects for a
    module on CPU; on CPU the process group is gloo and no device ids apply.
    """

    def __init__(self, module: torch.nn.Module, device_ids=None, **kwargs) -> None:
        on_cpu = all(p.device.type == 'cpu' for p in module.parameters())
        super().__init__(module=module, device_ids=None if on_cpu else device_ids,
                         **kwargs)
