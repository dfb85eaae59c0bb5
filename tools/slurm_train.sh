#!/usr/bin/env bash
# Training on a Slurm cluster (srun options: see tools/slurm_launch.sh):
#   GPUS=8 bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [args]
set -euo pipefail
exec bash "$(dirname "$0")/slurm_launch.sh" "$1" "$2" train.py "$3" --work-dir="$4" "${@:5}"
