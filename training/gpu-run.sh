#!/usr/bin/env bash
# The GPU machine's half of a tokenizer training run (the local half is `npm run pack:gpu`). It needs Python
# with PyTorch and a GPU, nothing else: Node comes from gpu-pack/node.xz, the sim generator from
# gpu-pack/orbis-sim.mjs.xz. It generates training and held-out sim clips on all cores, trains the tokenizers
# side by side on the one GPU, and leaves in $OUT each model's weights (model.pt) and one archive of logs and
# metrics. Export happens back home: `python3 training/tokenizer/train.py --from <model.pt> --out models/<name>`.
#
#   MINUTES=7 bash training/gpu-run.sh                  # all three tokenizers
#   MODELS="cv4x8x8" MINUTES=3 bash training/gpu-run.sh # one of them
#   INIT=<dir with <name>.pt> ...                       # start from earlier weights (fresh optimizer)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu-out}
WORK=${WORK:-/tmp/orbis-gpu}
MINUTES=${MINUTES:-7}
MODELS=${MODELS:-"cv4x8x8 dv4x8x8 dv8x16x16"}
SEEDS=${SEEDS:-0-23}
PYTHON=${PYTHON:-python3}
THREADS=${THREADS:-$(nproc)}
mkdir -p "$OUT" "$WORK/logs"
started=$(date +%s)
say() { echo "[$(( $(date +%s) - started ))s] $*"; }

"$PYTHON" training/unpack_gpu_pack.py "$WORK"
say "node $("$WORK/node" --version); $("$PYTHON" -c 'import torch; print("torch", torch.__version__, torch.cuda.get_device_name(0))')"

# Training worlds: every scenario, 4 views, 2 looks each; held-out worlds: seeds training never uses.
if [ ! -f "$WORK/sim-train/run-report.json" ]; then
  "$WORK/node" "$WORK/orbis-sim.mjs" generate --scenario all --seeds "$SEEDS" --views 4 --looks 2 --size 128 \
    --frames 33 --format npy --channels rgb,mask --threads "$THREADS" --out "$WORK/sim-train" > "$WORK/logs/sim-train.log" 2>&1
fi
if [ ! -f "$WORK/sim-eval/run-report.json" ]; then
  "$WORK/node" "$WORK/orbis-sim.mjs" generate --scenario all --seeds 900000-900001 --views 4 --looks 1 --size 128 \
    --frames 17 --format npy --channels rgb,mask --threads "$THREADS" --out "$WORK/sim-eval" > "$WORK/logs/sim-eval.log" 2>&1
fi
for split in sim-train sim-eval; do
  say "$split: $("$PYTHON" -c "import json; r = json.load(open('$WORK/$split/run-report.json')); print(r['samples'], 'clips,', r['framesPerSecond'], 'frames/s on', r['threads'], 'threads')")"
done

declare -A FLAGS=(
  [cv4x8x8]="--kind continuous --spatial 8 --width 64 --frames 9"
  [dv4x8x8]="--kind discrete --spatial 8 --width 48 --frames 9"
  [dv8x16x16]="--kind discrete --spatial 16 --temporal 8 --width 48 --frames 17"
)
pids=()
for name in $MODELS; do
  init=()
  if [ -n "${INIT:-}" ] && [ -f "$INIT/$name.pt" ]; then init=(--init "$INIT/$name.pt"); fi
  # shellcheck disable=SC2086
  "$PYTHON" training/tokenizer/train.py ${FLAGS[$name]} --blocks 2 --batch "${BATCH:-128}" --size 64 \
    --steps 1000000 --minutes "$MINUTES" --lr "${LR:-1e-3}" --sim "$WORK/sim-train" --sim-eval "$WORK/sim-eval" \
    --eval-clips 32 --threads 4 --compile --skip-export "${init[@]}" --out "$WORK/$name" \
    > "$WORK/logs/$name.log" 2>&1 &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
say "trained (status $status)"
nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv > "$WORK/logs/gpu.csv" || true
for name in $MODELS; do
  if [ -f "$WORK/$name/model.pt" ]; then
    cp "$WORK/$name/model.pt" "$OUT/$name.pt"
    cp "$WORK/$name/metrics.json" "$WORK/logs/$name.metrics.json"
  fi
  tail -n 3 "$WORK/logs/$name.log" | cut -c1-400
done
tar czf "$OUT/logs.tar.gz" -C "$WORK" logs
say "done"
exit $status
