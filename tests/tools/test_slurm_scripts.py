"""The Slurm scripts build the srun command a cluster runs (srun replaced by a stub
that prints its arguments)."""
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake_srun(tmp_path):
    stub = tmp_path / 'srun'
    stub.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@"\n')
    stub.chmod(0o755)
    return dict(os.environ, PATH=f'{tmp_path}:{os.environ["PATH"]}', GPUS='4',
                GPUS_PER_NODE='4', PYTHON='py')


@pytest.mark.parametrize('script, args, tail', [
    ('slurm_train.sh', ['cfg.py', 'wd'], ['tools/train.py', 'cfg.py', '--work-dir=wd']),
    ('slurm_test.sh', ['cfg.py', 'ck.pth', 'wd'],
     ['tools/test.py', 'cfg.py', 'ck.pth', '--work-dir=wd']),
    ('slurm_fewshot.sh', ['cfg.py', 'wd'], ['tools/fewshot.py', 'cfg.py', '--work-dir=wd']),
])
def test_srun_gets_partition_job_tasks_and_the_tool(fake_srun, script, args, tail):
    out = subprocess.run(['bash', f'tools/{script}', 'gpu', 'job1', *args, '--cfg-options',
                          'a=1'], cwd=REPO, env=fake_srun, capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[:7] == ['-p', 'gpu', '--job-name=job1', '--gres=gpu:4', '--ntasks=4',
                       '--ntasks-per-node=4', '--cpus-per-task=5']
    tool = out.index('-u')
    assert out[tool - 1] == 'py' and out[tool + 1].endswith(tail[0])
    assert out[tool + 2:] == tail[1:] + ['--cfg-options', 'a=1', '--launcher=slurm']
