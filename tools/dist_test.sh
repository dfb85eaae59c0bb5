#!/usr/bin/env bash
# Multi-process evaluation through torchrun: bash tools/dist_test.sh CONFIG CKPT NPROC [args]
# (NNODES, NODE_RANK, MASTER_ADDR, PORT: see tools/dist_launch.sh).
set -euo pipefail
exec bash "$(dirname "$0")/dist_launch.sh" "$3" test.py "$1" "$2" "${@:4}"
