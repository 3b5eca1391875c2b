#!/usr/bin/env bash
# The GPU machine's half of a world-model training run (the local half: `npm run pack:gpu`, and the discrete
# tokenizer's model.pt in gpu-init/). Generates sim clips with the packed Node, tokenizes them on the GPU,
# trains, and leaves in $OUT the weights (FP16, world.pt) and one archive of logs and metrics. Export happens
# back home: `python3 training/world/train.py --from <dir>/model.pt --out models/<name>`.
#
#   MINUTES=7 bash training/world/gpu-run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-gpu-out}
WORK=${WORK:-/tmp/orbis-world}
MINUTES=${MINUTES:-7}
SEEDS=${SEEDS:-0-47}
PYTHON=${PYTHON:-python3}
THREADS=${THREADS:-$(nproc)}
COMPILE=${COMPILE-1}
TOKENIZER=${TOKENIZER:-gpu-init/dv8x16x16.pt}
mkdir -p "$OUT" "$WORK/logs"
started=$(date +%s)
say() { echo "[$(( $(date +%s) - started ))s] $*"; }
"$PYTHON" -c "import lzma, shutil; shutil.copyfileobj(lzma.open('gpu-pack/node.xz'), open('$WORK/node', 'wb'))"
chmod +x "$WORK/node"
if [ ! -f "$WORK/sim-train/run-report.json" ]; then
  "$WORK/node" gpu-pack/orbis-sim.mjs generate --scenario all --seeds "$SEEDS" --views 4 --looks "${LOOKS:-2}" --size 128 \
    --frames 33 --format npy --threads "$THREADS" --out "$WORK/sim-train" > "$WORK/logs/sim-train.log" 2>&1
fi
if [ ! -f "$WORK/sim-eval/run-report.json" ]; then
  "$WORK/node" gpu-pack/orbis-sim.mjs generate --scenario all --seeds 900000-900003 --views 4 --looks 1 --size 128 \
    --frames 33 --format npy --threads "$THREADS" --out "$WORK/sim-eval" > "$WORK/logs/sim-eval.log" 2>&1
fi
say "sim clips ready"
"$PYTHON" training/world/train.py --sim "$WORK/sim-train" --sim-eval "$WORK/sim-eval" --tokenizer "$TOKENIZER" \
  --minutes "$MINUTES" --batch "${BATCH:-128}" --lr "${LR:-6e-4}" --width "${WIDTH:-256}" --layers "${LAYERS:-6}" \
  --heads "${HEADS:-8}" --dropout "${DROPOUT:-0.1}" --eval-every "${EVAL_EVERY:-1000}" --threads 8 ${COMPILE:+--compile} --skip-export ${INIT:+--init "$INIT"} --out "$WORK/world" \
  > "$WORK/logs/world.log" 2>&1 || status=$?
say "trained (status ${status:-0})"
grep -v "^step" "$WORK/logs/world.log" | tail -n 4 | cut -c1-600
if [ -f "$WORK/world/model.pt" ]; then
  "$PYTHON" -c "
import torch
s = torch.load('$WORK/world/model.pt', map_location='cpu')
s['model'] = {k: (v.half() if v.is_floating_point() else v) for k, v in s['model'].items()}
torch.save(s, '$OUT/world.pt')"
  cp "$WORK/world/metrics.json" "$WORK/logs/world.metrics.json"
fi
tar czf "$OUT/logs.tar.gz" -C "$WORK" logs
say "done"
exit "${status:-0}"
