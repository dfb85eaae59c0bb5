#!/usr/bin/env bash
# srun launcher shared by slurm_train.sh, slurm_test.sh and slurm_fewshot.sh:
#   bash tools/slurm_launch.sh PARTITION JOB_NAME SCRIPT [args]
# GPUS processes in all, GPUS_PER_NODE per node (default 8 each), CPUS_PER_TASK,
# SRUN_ARGS and PYTHON from the environment.
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
SCRIPT=$3
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON=${PYTHON:-python}

PYTHONPATH="$ROOT:${PYTHONPATH:-}" \
srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    "$PYTHON" -u "$ROOT/tools/$SCRIPT" "${@:4}" --launcher="slurm"
