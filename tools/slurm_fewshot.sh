#!/usr/bin/env bash
# The multi-label few-shot protocol on a Slurm cluster (srun options: see
# tools/slurm_launch.sh):
#   GPUS=8 bash tools/slurm_fewshot.sh PARTITION JOB_NAME CONFIG WORK_DIR [tools/fewshot.py args]
set -euo pipefail
exec bash "$(dirname "$0")/slurm_launch.sh" "$1" "$2" fewshot.py "$3" --work-dir="$4" "${@:5}"
