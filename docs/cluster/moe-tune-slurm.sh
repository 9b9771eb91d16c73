#!/usr/bin/env bash
# moe tune as a Slurm job array: each array task tunes one shard of the batch sizes on its own
# GPU node (all of its GPUs), and a last job merges the shards' outputs into one folder.
#
#   sbatch docs/cluster/moe-tune-slurm.sh                      # 4 shards of LFM2-8B-A1B
#   MODEL=Qwen/Qwen3-30B-A3B TP=1,2 sbatch --array=0-7 docs/cluster/moe-tune-slurm.sh
#
# moe tune reads SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT (less SLURM_ARRAY_TASK_MIN) and
# runs shard (id + 1) of count: no --shard flag is needed. Its output goes to
# $OUT/shard-<i>-of-<n>; a task that was preempted or killed resumes where it stopped when
# requeued (--resume reads the journal in that folder; nothing measured is measured again).
# The merge job (submitted by task 0, after the whole array) joins every shard.
#SBATCH --job-name=moe-tune
#SBATCH --array=0-3
#SBATCH --gres=gpu:1
#SBATCH --cpus-per-task=16
#SBATCH --time=01:00:00
#SBATCH --requeue
#SBATCH --output=moe-tune-%A_%a.log
set -euo pipefail

MODEL=${MODEL:-LiquidAI/LFM2-8B-A1B}
TP=${TP:-1}
ENGINE=${ENGINE:-sglang}
OUT=${OUT:-$PWD/moe-configs}
# The python of the engine's environment: its own fused-MoE kernel is measured.
PYTHON=${PYTHON:-$(command -v python3)}
MOE=${MOE:-npx --yes moe}
# More flags for moe tune, e.g. EXTRA="--batch-sizes 1,16,64,1024 --kernel engine".
EXTRA=${EXTRA:-}

i=$((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0} + 1))
n=$SLURM_ARRAY_TASK_COUNT
shard_out="$OUT/shard-$i-of-$n"

# A requeued task finds its journal and resumes; a first run starts it.
resume=()
if [ -f "$shard_out/.moe-tune/journal.jsonl" ]; then resume=(--resume); fi
# shellcheck disable=SC2086 # MOE and EXTRA are words on purpose
$MOE tune "$MODEL" --tp "$TP" --engine "$ENGINE" --python "$PYTHON" --out "$shard_out" $EXTRA "${resume[@]}"

# Task 0 submits the merge, to run once every task of the array has ended well.
if [ "$i" -eq 1 ]; then
  sbatch --dependency="afterok:${SLURM_ARRAY_JOB_ID}" --job-name=moe-tune-merge --output=moe-tune-merge-%j.log \
    --wrap="$MOE configs merge $OUT/shard-*-of-$n -o $OUT/merged --engine $ENGINE && $MOE configs doctor $OUT/merged --engine $ENGINE"
fi
