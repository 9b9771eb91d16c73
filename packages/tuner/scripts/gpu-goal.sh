#!/usr/bin/env bash
# The GPU-host runs behind packages/tuner/PERF.md: `moe tune` (the bundled CLI,
# packages/kit/dist-gpu/moe.js) on the SGLang 0.5.16 stand-in, cold and warm, killed with SIGKILL
# and resumed, stopped with Ctrl-C (SIGINT) and resumed. Run from the repository root of the
# carried tree, after `source .gpu-host/use-node.sh .gpu-host`:
#   packages/tuner/scripts/gpu-goal.sh cold warm kill sigint [-- extra moe tune flags]
# Every step writes <step>.out/.err and its files under $OUT/<step>/, and one line to
# $OUT/summary.txt: its exit status and wall time. Steps: cold (fresh MoE Kit and Triton caches),
# warm (the same caches again), kill (SIGKILL after $KILL_AFTER s, then --resume), sigint (SIGINT
# after $KILL_AFTER s, then --resume), fault (an illegal address injected into the worker on
# $FAULT_CONFIG: it must be restarted and the config skipped), exhaustive (--strategy exhaustive at $EXHAUSTIVE_M, resumed
# from $OUT/exhaustive or the journal folder in $EXHAUSTIVE_FROM). At the end everything but the
# summary is packed into $OUT/results-<steps>.tgz (the device tool brings back only a few files).
set -u
: "${OUT:?set OUT to the folder for the results}"
ROOT=$PWD
ENGINES=${MOE_ENGINE_STANDINS:-$ROOT/.gpu-host/engines}
export MOE_NATIVE_ADDON=$ROOT/native/build/Release/moe_native.node
export MOE_KERNELS_DIR=$ROOT/native/python
export PYTHONUNBUFFERED=1
export PYTHONPATH=${GOAL_PYTHONPATH:-$ENGINES/sglang-0.5.16-a358374}
KILL_AFTER=${KILL_AFTER:-20}
STEP_LIMIT=${STEP_LIMIT:-300}
WARM_CACHE=/tmp/moe-goal-cache
WARM_TRITON=/tmp/moe-goal-triton
steps=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do steps+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
extra=("$@")
now() { date +%s.%N; }
record() { printf '%-18s rc=%-4s wall=%7.1f s  %s\n' "$1" "$2" "$3" "${4:-}" | tee -a "$OUT/summary.txt"; }

# tune <name> <out folder> <cache> <triton cache> [flags...]: one moe tune, timed.
tune() {
  local name=$1 dir=$2 cache=$3 triton=$4; shift 4
  local t0; t0=$(now)
  MOE_CACHE_DIR=$cache TRITON_CACHE_DIR=$triton MOE_TUNE_WORKER_NODE_ARGS="$(prof "$name")" timeout -s INT "$STEP_LIMIT" \
    node $(prof "$name") "$ROOT/packages/kit/dist-gpu/moe.js" tune --python python3 --out "$OUT/$dir" --json "${extra[@]}" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
  local rc=$?
  record "$name" "$rc" "$(awk "BEGIN{print $(now) - $t0}")"
  [ -f "$OUT/$dir/.moe-tune/journal.jsonl" ] && python3 "$ROOT/packages/tuner/scripts/journal-times.py" "$OUT/$dir/.moe-tune/journal.jsonl" --timeline --phases >"$OUT/$name.times"
  pack "$dir"
  pack_prof "$name"
  return $rc
}

# pack <out folder>: the step's files (configs, journal, worker logs) as one archive beside it,
# kept in place for a later --resume step of this call.
pack() { [ -d "$OUT/$1" ] && tar czf "$OUT/$1.tgz" -C "$OUT" "$1"; }

# profile: PROFILE=1 records a CPU profile of moe and of its measure worker per step.
prof() { [ "${PROFILE:-0}" = 1 ] && echo "--cpu-prof --cpu-prof-dir=$OUT/prof-$1"; }
# pack_prof <step>: its CPU profiles (moe's and the workers') as one archive.
pack_prof() {
  [ -d "$OUT/prof-$1" ] || return 0
  for f in "$OUT/prof-$1"/*.cpuprofile; do python3 "$ROOT/packages/tuner/scripts/cpuprofile-top.py" "$f" 20; done >"$OUT/$1.prof.txt" 2>&1
  tar czf "$OUT/prof-$1.tgz" -C "$OUT" "prof-$1" && rm -rf "$OUT/prof-$1"
}

# interrupted <name> <signal>: a warm run stopped by the signal after KILL_AFTER s, then resumed.
interrupted() {
  local name=$1 sig=$2
  local t0; t0=$(now)
  MOE_CACHE_DIR=$WARM_CACHE TRITON_CACHE_DIR=$WARM_TRITON \
    node "$ROOT/packages/kit/dist-gpu/moe.js" tune --python python3 --out "$OUT/$name" --json "${extra[@]}" >"$OUT/$name-1.out" 2>"$OUT/$name-1.err" &
  local pid=$!
  sleep "$KILL_AFTER"
  kill -s "$sig" "$pid"
  wait "$pid"
  local rc=$?
  local lines; lines=$(wc -l <"$OUT/$name/.moe-tune/journal.jsonl" 2>/dev/null || echo 0)
  local left0; left0=$(pgrep -f measure-worker.js | wc -l)
  local waited=0
  while [ "$(pgrep -f measure-worker.js | wc -l)" -gt 0 ] && [ $waited -lt 15 ]; do sleep 1; waited=$((waited + 1)); done
  record "$name-1" "$rc" "$(awk "BEGIN{print $(now) - $t0}")" "SIG$sig after ${KILL_AFTER}s; journal lines $lines; measure workers alive at its exit $left0, after ${waited}s $(pgrep -f measure-worker.js | wc -l)"
  pkill -9 -f measure-worker.js 2>/dev/null
  tune "$name-2" "$name" "$WARM_CACHE" "$WARM_TRITON" --resume
}

mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu,power.draw --format=csv >"$OUT/gpu.txt" 2>&1
python3 -c 'import triton, torch; print("triton", triton.__version__, "torch", torch.__version__)' >>"$OUT/gpu.txt" 2>&1
for s in "${steps[@]}"; do
  case $s in
    cold) rm -rf "$WARM_CACHE" "$WARM_TRITON"; tune cold cold "$WARM_CACHE" "$WARM_TRITON" ;;
    warm*) tune "$s" "$s" "$WARM_CACHE" "$WARM_TRITON" ;;  # warm, or warm-<label> for a variant (its env set by the caller)
    kill) interrupted kill KILL ;;
    sigint) interrupted sigint INT ;;
    fault)
      # A real illegal address in the measure worker (MOE_TUNE_INJECT_FAULT) on the second config
      # auto measures at M=1: the worker must die, be restarted, and the config be skipped.
      MOE_TUNE_INJECT_FAULT=${FAULT_CONFIG:-up:16/32/128/1/4/3} tune fault fault "$WARM_CACHE" "$WARM_TRITON"
      j="$OUT/fault/.moe-tune/journal.jsonl"
      record fault-check - 0 "crash answers $(grep -c '"kind":"worker_crash"' "$j" 2>/dev/null || echo 0), worker deaths $(grep -c '"worker-died"' "$j" 2>/dev/null || echo 0), skipped $(grep -c '"what":"skipped"' "$j" 2>/dev/null || echo 0)" ;;
    exhaustive)
      mkdir -p "$OUT/exhaustive"
      [ -n "${EXHAUSTIVE_FROM:-}" ] && cp -r "$EXHAUSTIVE_FROM/." "$OUT/exhaustive/"
      resume=(); [ -f "$OUT/exhaustive/.moe-tune/journal.jsonl" ] && resume=(--resume)
      tune exhaustive exhaustive "$WARM_CACHE" "$WARM_TRITON" --strategy exhaustive --batch-sizes "${EXHAUSTIVE_M:-1,16,64,256,1024,4096}" "${resume[@]}" ;;
    *) echo "gpu-goal.sh: unknown step '$s' (cold, warm, warm-<label>, kill, sigint, fault, exhaustive)" >&2; exit 2 ;;
  esac
done
# The device tool returns few files per call: everything goes into one archive, beside the summary.
# (One archive per invocation: results-<steps>.tgz; earlier ones are kept.)
pack_name="results-$(IFS=-; echo "${steps[*]}").tgz"
(cd "$OUT" && tar czf "$pack_name" --exclude 'results-*.tgz' --exclude summary.txt -- * 2>/dev/null && find . -mindepth 1 -maxdepth 1 ! -name 'results-*.tgz' ! -name summary.txt -exec rm -rf {} +)
cat "$OUT/summary.txt"
