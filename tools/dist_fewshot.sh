#!/usr/bin/env bash
# Multi-process few-shot protocol through torchrun:
#   bash tools/dist_fewshot.sh CONFIG NPROC [tools/fewshot.py args]
# Every base stage and every episode's adaptation and test run data-parallel over the
# NPROC processes (GPUs, or CPU processes on gloo); rank 0 writes the CSV and summaries.
# (NNODES, NODE_RANK, MASTER_ADDR, PORT: see tools/dist_launch.sh).
set -euo pipefail
exec bash "$(dirname "$0")/dist_launch.sh" "$2" fewshot.py "$1" "${@:3}"
