#!/usr/bin/env bash
# The GPU machine's half of a world-model training run (the local half: `npm run pack:gpu`, and the discrete
# tokenizer's model.pt in gpu-init/). While the model trains, the packed Node simulates new clips in chunks
# of seeds on the CPU cores; the trainer tokenizes each finished chunk on the GPU, adds it to its pool and
# deletes its frames. One run may span several calls on the same machine (each call is capped at 10 minutes):
# every call goes on from the checkpoint, the pool and the next unsimulated chunk in $WORK. Each call leaves
# in $OUT the best weights so far (FP16, world.pt) and one archive of logs and metrics. Export happens back
# home: `python3 training/world/train.py --from <dir>/world.pt --out models/<name>`.
#
#   MINUTES=8 TOTAL=25 bash training/world/gpu-run.sh     # then again, same settings, until TOTAL is spent
#   INIT=models/world-dv4x8x8/step.onnx TOKEN_SPACE=dv4x8x8 BATCH=32 FIRST_SEED=1100 LR=1e-4 ...  # go on from the shipped model
#   TOKEN_SPACE=dv4x8x8 BATCH=32 ...     # a world model over the 4x8x8 tokenizer (gpu-init/dv4x8x8.pt)
#   INIT=/tmp/orbis-world/world/model.pt POOL_FROM=/tmp/orbis-world/pool.pt WORK=/tmp/orbis-world2 ...  # a new
#                                        # schedule from the last one's weights and clips, same warm machine
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-gpu-out}
WORK=${WORK:-/tmp/orbis-world}
STREAM=${STREAM:-/dev/shm/orbis-world-chunks}
MINUTES=${MINUTES:-8}          # training minutes in this call
TOTAL=${TOTAL:-$MINUTES}       # training minutes of the whole run (the schedule's length)
FIRST_SEED=${FIRST_SEED:-0}
CHUNK=${CHUNK:-4}              # seeds per chunk: 4 x 10 scenarios x 4 views x LOOKS clips
CHUNKS=${CHUNKS:-500}
AHEAD=${AHEAD:-3}              # finished chunks the simulator may keep waiting for the trainer
PUSH_EVERY=${PUSH_EVERY:-0}    # K > 0: every K-th chunk simulates the push scenario alone (0: never)
PUSH_FIRST_SEED=${PUSH_FIRST_SEED:-500000}
LOOKS=${LOOKS:-2}
PYTHON=${PYTHON:-python3}
THREADS=${THREADS:-$(( $(nproc) - 2 ))}
COMPILE=${COMPILE-1}
MIRROR=${MIRROR-1}
TOKEN_SPACE=${TOKEN_SPACE:-dv8x16x16}   # or dv4x8x8 (9 x 16 x 16 tokens a clip: use BATCH=32 or so)
TOKENIZER=${TOKENIZER:-gpu-init/$TOKEN_SPACE.pt}
mkdir -p "$OUT" "$WORK/logs" "$STREAM"
# A new run (new WORK) that goes on from an earlier one's weights on the same, still warm, machine may start
# from that run's pool of tokenized clips (POOL_FROM=<its WORK>/pool.pt): else its first thousands of steps
# go round the few clips of its first chunks, and the held-out loss rises before it falls (2026-12-06: 1.538
# -> 1.577 by step 2,000, back only by step 8,000). Give FIRST_SEED past that pool's seeds.
if [ -n "${POOL_FROM:-}" ] && [ ! -f "$WORK/pool.pt" ]; then
  if [ -f "$POOL_FROM" ]; then cp "$POOL_FROM" "$WORK/pool.pt"; else echo "POOL_FROM=$POOL_FROM: no such file; starting with an empty pool" >&2; fi
fi
started=$(date +%s)
say() { echo "[$(( $(date +%s) - started ))s] $*"; }
[ -x "$WORK/node" ] && [ -f "$WORK/orbis-sim.mjs" ] || "$PYTHON" training/unpack_gpu_pack.py "$WORK"
# Only what train.py reads: the RGB, the masks (which tokens show an object), the actions (push clips).
sim() { "$WORK/node" "$WORK/orbis-sim.mjs" generate --views 4 --size 128 --frames 33 --format npy \
  --channels rgb,mask,actions --threads "$THREADS" "$@"; }
if [ ! -f "$WORK/sim-eval/run-report.json" ]; then
  sim --scenario all --seeds 900000-900003 --looks 1 --out "$WORK/sim-eval" > "$WORK/logs/sim-eval.log" 2>&1
fi
# The simulator, in the background: chunk c holds seeds FIRST_SEED + c*CHUNK ..; it stays at most AHEAD
# finished chunks ahead of the trainer, and a chunk cut short by the end of a call is finished by the next one.
# The trainer looks for finished chunks every ABSORB_EVERY seconds (20). A chunk takes the 14 cores 4-5 s; with
# 3 ahead and a look every 20 s the simulator stood idle half of a 7.9-minute call (2026-12-07: 48 chunks, 236 s
# of simulating), so the pool grew half as fast as it could. AHEAD=8 lets it run on; the price is the trainer's
# time tokenizing the extra chunks, which each look now prints.
(
  for ((c = 0; c < CHUNKS; c++)); do
    name=$(printf 'c%04d' "$c")
    [ -f "$STREAM/$name.done" ] && continue
    while [ "$(find "$STREAM" -maxdepth 1 -name '*.done' | while read -r f; do [ -d "${f%.done}" ] && echo; done | wc -l)" -ge "$AHEAD" ]; do
      sleep 2
    done
    if (( PUSH_EVERY > 0 && c % PUSH_EVERY == PUSH_EVERY - 1 )); then
      # As many clips as a chunk of all 10 scenarios, all of them push: 10 x CHUNK seeds of their own range.
      from=$(( PUSH_FIRST_SEED + c / PUSH_EVERY * CHUNK * 10 ))
      sim --scenario push --seeds "$from-$(( from + CHUNK * 10 - 1 ))" --looks "$LOOKS" --out "$STREAM/$name" >> "$WORK/logs/sim-train.log" 2>&1
    else
      from=$(( FIRST_SEED + c * CHUNK ))
      sim --scenario all --seeds "$from-$(( from + CHUNK - 1 ))" --looks "$LOOKS" --out "$STREAM/$name" >> "$WORK/logs/sim-train.log" 2>&1
    fi
    touch "$STREAM/$name.done"
  done
) &
simulator=$!
trap 'kill $simulator 2>/dev/null; pkill -f orbis-sim.mjs 2>/dev/null || true' EXIT
say "simulating in the background; training"
"$PYTHON" training/world/train.py --stream "$STREAM" --pool "$WORK/pool.pt" --resume --sim-eval "$WORK/sim-eval" \
  --tokenizer "$TOKENIZER" --token-space "$TOKEN_SPACE" --minutes "$MINUTES" --total-minutes "$TOTAL" --batch "${BATCH:-256}" --lr "${LR:-3e-4}" \
  --width "${WIDTH:-256}" --layers "${LAYERS:-6}" --heads "${HEADS:-8}" --mlp "${MLP:-0}" --dropout "${DROPOUT:-0.1}" \
  --corrupt "${CORRUPT:-0.05}" --push-share "${PUSH_SHARE:-0}" --action-drop "${ACTION_DROP:-0}" --action-lr "${ACTION_LR:-1}" --changed-weight "${CHANGED_WEIGHT:-0}" --prompt-length "${PROMPT_LENGTH:-16}" --coupling "${COUPLING:-0}" --coupling-lr "${COUPLING_LR:-3}" \
  --self-feed "${SELF_FEED:-0}" --self-feed-passes "${SELF_FEED_PASSES:-1}" --object-weight "${OBJECT_WEIGHT:-0}" --distill-guidance "${DISTILL_GUIDANCE:-0}" --distill-weight "${DISTILL_WEIGHT:-0.5}" --distill-frames "${DISTILL_FRAMES:-0}" ${DISTILL_TEACHER:+--distill-teacher "$DISTILL_TEACHER"} --eval-every "${EVAL_EVERY:-2000}" --absorb-every "${ABSORB_EVERY:-20}" --threads 4 ${MIRROR:+--mirror} ${COMPILE:+--compile} \
  --skip-export ${INIT:+--init "$INIT"} --out "$WORK/world" >> "$WORK/logs/world.log" 2>&1 || status=$?
say "trained (status ${status:-0}); $(ls "$STREAM"/*.done 2>/dev/null | wc -l) chunks simulated"
grep -v "^step [0-9]* loss" "$WORK/logs/world.log" | tail -n 6 | cut -c1-400
grep "^step [0-9]* loss" "$WORK/logs/world.log" | tail -n 2
if [ -f "$WORK/world/model.pt" ]; then
  "$PYTHON" -c "
import torch
s = torch.load('$WORK/world/model.pt', map_location='cpu')
s['model'] = {k: (v.half() if v.is_floating_point() else v) for k, v in s['model'].items()}
torch.save(s, '$OUT/world.pt')"
  cp "$WORK/world/metrics.json" "$OUT/metrics.json"
  # The device returns files of at most 16 MiB: a larger world.pt (MLP=2048's is 19 MB) comes back in parts,
  # joined at home with `cat world.pt.part-* > world.pt` (2026-12-07: the first wide call's weights were lost).
  if [ "$(stat -c %s "$OUT/world.pt")" -gt 15000000 ]; then
    split -b 15000000 "$OUT/world.pt" "$OUT/world.pt.part-" && rm "$OUT/world.pt"
    say "world.pt in $(ls "$OUT"/world.pt.part-* | wc -l) parts: cat world.pt.part-* > world.pt"
  fi
fi
tar czf "$OUT/logs.tar.gz" -C "$WORK" logs
say "done"
exit "${status:-0}"
