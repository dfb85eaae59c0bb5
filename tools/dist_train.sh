#!/usr/bin/env bash
# Multi-process training through torchrun: bash tools/dist_train.sh CONFIG NPROC [args]
# (NNODES, NODE_RANK, MASTER_ADDR, PORT: see tools/dist_launch.sh).
set -euo pipefail
exec bash "$(dirname "$0")/dist_launch.sh" "$2" train.py "$1" "${@:3}"
