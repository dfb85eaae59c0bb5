"""CheckpointHook whose checkpoints and ``last_checkpoint`` are written atomically."""
from __future__ import annotations

import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log
from mmpretrain.registry import HOOKS

from lmpt_mm.engine.work_dir_checkpoints import (TMP_SUFFIX, atomic_write_bytes,
                                                 fsync_dir, remove_checksum,
                                                 remove_stale_temp_files,
                                                 write_checksum)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """MMEngine's ``CheckpointHook`` (same arguments) that never leaves a partial file.

    MMEngine 0.10.7 writes ``epoch_N.pth`` in place and deletes the oldest kept
    checkpoint *before* the new one is written: a run killed during the save keeps a
    truncated ``epoch_N.pth`` and, with ``max_keep_ckpts=1``, no usable checkpoint.
    Here each checkpoint goes to a temp file in the same folder, is flushed and
    fsynced, then renamed; ``last_checkpoint`` likewise; old checkpoints are deleted
    only after both are complete. Each checkpoint gets a ``<name>.sha256`` sidecar,
    which loading checks (a damaged file is refused, naming it). ``tools/train.py``
    puts it in place of ``CheckpointHook`` (local work dirs).
    """

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if is_main_process():
            for name in remove_stale_temp_files(self.out_dir):
                print_log(f'removed {name} in {self.out_dir}: a checkpoint save that '
                          'did not complete', logger='current', level=30)

    def _save_checkpoint_with_step(self, runner, step, meta):
        to_remove = []
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids
                                            and self.keep_ckpt_ids[-1] == step):
            while len(self.keep_ckpt_ids) >= self.max_keep_ckpts:
                to_remove.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        final = self.file_backend.join_path(self.out_dir, ckpt_filename)
        self.last_ckpt = final
        runner.message_hub.update_info('last_ckpt', final)
        tmp_name = f'.{ckpt_filename}.{os.getpid()}{TMP_SUFFIX}'
        tmp = osp.join(self.out_dir, tmp_name)
        try:
            runner.save_checkpoint(
                self.out_dir, tmp_name, self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler, meta=meta,
                by_epoch=self.by_epoch, backend_args=self.backend_args, **self.args)
        except BaseException:
            if is_main_process() and osp.exists(tmp):
                os.remove(tmp)
            raise
        if not is_main_process():
            return
        with open(tmp, 'rb+') as f:
            os.fsync(f.fileno())
        # A sidecar of an earlier save under this name would not match the new file.
        remove_checksum(final)
        os.replace(tmp, final)
        fsync_dir(self.out_dir)
        write_checksum(final)
        atomic_write_bytes(osp.join(runner.work_dir, 'last_checkpoint'),
                           str(final).encode())
        # Only now, with the new checkpoint complete, may the old ones go.
        for old_step in to_remove:
            path = self.file_backend.join_path(self.out_dir,
                                               self.filename_tmpl.format(old_step))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
                remove_checksum(path)
            elif self.file_backend.isdir(path):
                self.file_backend.rmtree(path)
