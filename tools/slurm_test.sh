#!/usr/bin/env bash
# Evaluation on a Slurm cluster (srun options: see tools/slurm_launch.sh):
#   GPUS=8 bash tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT WORK_DIR [args]
set -euo pipefail
exec bash "$(dirname "$0")/slurm_launch.sh" "$1" "$2" test.py "$3" "$4" --work-dir="$5" "${@:6}"
