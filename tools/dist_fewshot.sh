#!/usr/bin/env bash
# Multi-process few-shot protocol through torchrun:
#   bash tools/dist_fewshot.sh CONFIG NPROC [tools/fewshot.py args]
# Every base stage and every episode's adaptation and test run data-parallel over the
# NPROC processes (GPUs, or CPU processes on gloo); rank 0 writes the CSV and summaries.
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT on every node.
set -euo pipefail
CONFIG=$1
NPROC=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON=${PYTHON:-python}

PYTHONPATH="$ROOT:${PYTHONPATH:-}" \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROC" \
    --master_port="$PORT" \
    "$ROOT/tools/fewshot.py" "$CONFIG" --launcher pytorch "${@:3}"
