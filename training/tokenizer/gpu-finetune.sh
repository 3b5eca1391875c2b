#!/usr/bin/env bash
# The GPU machine's half of a decoder fine-tune (finetune_decoder.py; the local half is `npm run pack:gpu` and
# gpu-init/<space>.pt from onnx_weights.py). Generates sim clips with every core, in chunks of seeds (a chunk
# cut short by the end of a call is finished by the next), writing only the RGB and the mask the fine-tune
# reads (`--channels rgb,mask`: 2.1 MB a clip, not the 6.5 MB of every channel, so 100 seeds need about 17 GB
# of disk, not 52), then fine-tunes on the GPU and leaves model.pt, finetune.json, metrics.json and the log in
# $OUT. Export back home: `python3 training/tokenizer/train.py --from <model.pt>`.
#
#   INIT=gpu-init/dv4x8x8.pt SEEDS=20000-20099 MINUTES=4 bash training/tokenizer/gpu-finetune.sh
#   # a second call on the same machine (the clips stay in $WORK): INIT=$WORK/ft/model.pt ...
#   # and W (moving bodies weigh 1 + W; default 8), PROCEDURAL (clips a step; 8), BATCH (32), LR (1e-4)
# tokenizer-dv4x8x8 version 3's three calls are in docs/physics-eval.md ("The decoder fine-tuned again").
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-gpu-out}
WORK=${WORK:-/tmp/orbis-ft}
INIT=${INIT:?INIT=<the tokenizer model.pt to start from>}
SEEDS=${SEEDS:-20000-20099}
CHUNK=${CHUNK:-25}
MINUTES=${MINUTES:-4}
PYTHON=${PYTHON:-python3}
THREADS=${THREADS:-$(nproc)}
mkdir -p "$OUT" "$WORK"
started=$(date +%s)
say() { echo "[$(( $(date +%s) - started ))s] $*"; }

[ -x "$WORK/node" ] || "$PYTHON" training/unpack_gpu_pack.py "$WORK"
generate() {  # <seeds> <looks> <out>
  if [ ! -f "$3/run-report.json" ]; then
    mkdir -p "$(dirname "$3")"
    "$WORK/node" "$WORK/orbis-sim.mjs" generate --scenario all --seeds "$1" --views 4 --looks "$2" --size 128 \
      --frames 33 --format npy --channels rgb,mask --threads "$THREADS" --out "$3" > "$3.log" 2>&1
  fi
}
first=${SEEDS%-*}
last=${SEEDS#*-}
for ((s = first; s <= last; s += CHUNK)); do
  e=$(( s + CHUNK - 1 < last ? s + CHUNK - 1 : last ))
  generate "$s-$e" 2 "$WORK/train/$s"
done
generate 900000-900001 1 "$WORK/eval"
say "sim clips: $(find "$WORK/train" -name rgb.npy | wc -l) to train on, $(find "$WORK/eval" -name rgb.npy | wc -l) held out; $(df -h "$WORK" | tail -1 | awk '{print $4}') of disk left"

run=$(date +%H%M%S)
"$PYTHON" training/tokenizer/finetune_decoder.py --init "$INIT" --sim "$WORK/train" --sim-eval "$WORK/eval" \
  --device cuda --bf16 --batch "${BATCH:-32}" --lr "${LR:-1e-4}" --object-weight "${W:-8}" \
  --procedural "${PROCEDURAL:-8}" --minutes "$MINUTES" --threads 8 --out "$WORK/ft-$run" 2>&1 | tee "$OUT/finetune-$run.log"
rm -f "$WORK/ft"
ln -s "$WORK/ft-$run" "$WORK/ft"
cp "$WORK/ft-$run/"{model.pt,finetune.json,metrics.json} "$OUT/"
nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv >> "$OUT/finetune-$run.log" || true
say "done"
