/**
 * World-model speed on this machine: seconds to generate 33 frames at the model's size from 1 conditioning
 * frame (prefill, one cached step per token, one causal decode, or one per latent frame with --stream), tokens per second, and the ratio to the video's own
 * duration (33 / 24 s). With --model, an installed world model; without, an untrained model of the recipe's
 * default architecture (width 256, 6 layers, 8 heads) exported by training/world/train.py into a temp folder
 * with Debian's PyTorch (speed does not depend on the weights), over the 8x16x16 tokens or, with
 * --token-space dv4x8x8, the 4x8x8 ones (2,304 tokens a future instead of 256: what such a model would cost).
 *
 *   node --import tsx bench/predict.bench.ts [--model world-dv8x16x16 | --token-space dv4x8x8 [--width 256 --layers 6 --heads 8]] [--frames 1|9] [--samples 1] [--threads 2] [--runs 2] [--stream] [--scenario free-fall --start-seed 1] [--compare-drafts] [--prompt-guidance 1|0,1,2 [--prompt-guidance-frames 1]] [--skip-peer]
 *
 * Run r draws the future of seed r, so runs are different futures: the line gives the median run and the
 * range over runs. --compare-drafts draws each future again with drafts of the token a latent frame earlier
 * only (no Jacobi drafts: the same tokens, more steps) and prints both; --skip-peer leaves out the step loops
 * below (they do not depend on the start), for spreads over many starts.
 *
 * The start is one unstable-stack state (seed 900123, prompt "a stack of blocks") unless --scenario names
 * another (its state from --start-seed, its caption as the prompt). With speculative drafts (a model that
 * allows them) the steps taken depend on the start: a still scene copies most tokens from the latent frame
 * before, a falling object does not, so a model's speed is the spread over starts, not one figure.
 *
 * Several guidance scales (--prompt-guidance 0,1,2) are timed in turn in one process, run by run, each after
 * one untimed future of its own: on this machine one process per scale put warm-up and the hour's drift into
 * the comparison (gyroscope with 9 frames: 1.89-3.47x over 5 futures alone, 1.75-1.94x interleaved).
 *
 * --frames 9 conditions on the start's first 9 frames (the physics evaluation's second setting) and generates
 * the other 24; the ratio stays against the whole 33-frame video's 1.375 s, as with 1.
 *
 * --stream decodes after every latent frame, as `orbis predict` does to write frames while it generates;
 * without it the future is decoded once at the end (the evaluations' way).
 *
 * Peer: the transformer's step loop alone (one prefill of the prompt slots and the conditioning tokens, then
 * one token per step with the key/value cache, the same batch) in ONNX Runtime from Node and in PyTorch
 * (Debian's 1.13, eager, same thread count) on a model of the same architecture; interleaved, best of --runs,
 * with the ratio. Speed does not depend on the weights or the tokens fed, so both feed token 0.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  cacheBlock,
  cacheForm,
  captionPrompt,
  latentsOf,
  Predictor,
  scenarioStart,
} from '../src/predict/index.js';
import { ModelStore } from '../src/runtime/index.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    samples: { type: 'string', default: '1' },
    threads: { type: 'string', default: '2' },
    runs: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
    stream: { type: 'boolean', default: false },
    'token-space': { type: 'string', default: 'dv8x16x16' },
    // A folder of models beside the shipped ones (for --model), and speculative drafts per step (models that
    // return every new position's logits; 0 turns them off).
    'model-dir': { type: 'string' },
    drafts: { type: 'string' },
    // Classifier-free guidance on the prompt (a second row per future with a blank prompt).
    'prompt-guidance': { type: 'string' },
    // ... over the first n generated latent frames only (then its rows are dropped).
    'prompt-guidance-frames': { type: 'string' },
    scenario: { type: 'string' },
    // Conditioning frames: 1, or 1 + k x the model's frames per latent (9 for the shipped ones).
    frames: { type: 'string', default: '1' },
    'start-seed': { type: 'string', default: '1' },
    // Each run draws another future (seed = run); --compare-drafts also draws it again with drafts of the token a
    // latent frame earlier only (the same future, token for token), --skip-peer leaves out the step loops.
    'compare-drafts': { type: 'boolean', default: false },
    'skip-peer': { type: 'boolean', default: false },
    // The untrained model's size (without --model): what a smaller world model would cost.
    width: { type: 'string', default: '256' },
    layers: { type: 'string', default: '6' },
    heads: { type: 'string', default: '8' },
  },
});

const PEER = `
import sys, time, json, torch
sys.path.insert(0, sys.argv[1])
from world_model import FixedStep, WorldModel
c = json.loads(sys.argv[2])
torch.set_num_threads(c["threads"])
torch.manual_seed(0)
m = WorldModel(tuple(c["grid"]), c["promptLength"], c["vocabWords"], c["actionFeatures"], c["heads"] * c["headDim"], c["layers"], c["heads"]).eval()
B, L = c["batch"], c["grid"][0]
actions = torch.zeros(B, L, c["actionFeatures"])
with torch.inference_mode():
    t0 = time.perf_counter()
    if c["fixed"]:  # the same form as the export: a cache written in place, grown by blocks when it has a block
        step, hd, block = FixedStep(m), c["headDim"], c["block"]
        def sized(n):
            return min(m.length, -(-n // block) * block) if block else m.length
        cache = torch.zeros(c["layers"], 2, B, c["heads"], sized(c["prefill"]), hd)
        logits, fresh = step(torch.zeros(B, c["prefill"], dtype=torch.long), torch.tensor([0]), actions, cache)
        cache[..., : c["prefill"], :] = fresh
        for i in range(c["steps"]):
            t = c["prefill"] + i
            if t + 1 > cache.shape[4]:
                grown = torch.zeros(c["layers"], 2, B, c["heads"], sized(t + 1), hd)
                grown[..., :t, :] = cache[..., :t, :]
                cache = grown
            logits, fresh = step(torch.zeros(B, 1, dtype=torch.long), torch.tensor([t]), actions, cache)
            cache[..., t : t + 1, :] = fresh
    else:
        past = m.empty_cache(B)
        logits, past = m(torch.zeros(B, c["prefill"], dtype=torch.long), 0, actions, past)
        for i in range(c["steps"]):
            logits, past = m(torch.zeros(B, 1, dtype=torch.long), c["prefill"] + i, actions, past)
    print(time.perf_counter() - t0)
`;

const EXPORT = `
import sys
sys.path.insert(0, sys.argv[1])
import train
train.export_untrained(sys.argv[2], "world-bench", sys.argv[3], *map(int, sys.argv[4:7]))
`;

const recipe = resolve(import.meta.dirname, '../training/world');
const temp = mkdtempSync(join(tmpdir(), 'orbis-predict-bench-'));
try {
  let name = values.model;
  if (!name) {
    execFileSync(
      '/usr/bin/python3',
      [
        '-c',
        EXPORT,
        recipe,
        join(temp, 'world-bench'),
        values['token-space'],
        values.width,
        values.layers,
        values.heads,
      ],
      {
        stdio: 'ignore',
      },
    );
    name = 'world-bench';
  }
  const store = new ModelStore({ userDir: values['model-dir'] ?? temp, cacheDir: join(temp, 'cache') });
  const predictor = await Predictor.load(store, name, {
    providers: ['cpu'],
    threads: Number(values.threads),
  });
  const [height, width] = predictor.config.size;
  const chosen = values.scenario !== undefined;
  const scenario = values.scenario ?? 'unstable-stack';
  const seed = chosen ? Number(values['start-seed']) : 900_123;
  // The caption needs the whole rollout (what falls, what stays); the default start keeps its old prompt.
  const given = Number(values.frames);
  const { frames, caption } = await scenarioStart(scenario, seed, {
    frames: given,
    length: chosen ? 33 : given,
    width,
    height,
  });
  const prompt = chosen ? captionPrompt(caption, predictor.config.promptLength) : 'a stack of blocks';
  const start = `${scenario} seed ${seed}`;
  const samples = Number(values.samples);
  // One timed line per scale asked for (undefined: the model's own default).
  const scales =
    values['prompt-guidance'] === undefined ? [undefined] : values['prompt-guidance'].split(',').map(Number);
  const predictOnce = (run: number, jacobi: boolean, scale = scales[0]) =>
    predictor.predict({
      frames,
      samples,
      seed: run,
      prompt,
      jacobi,
      ...(values.drafts === undefined ? {} : { drafts: Number(values.drafts) }),
      ...(scale === undefined ? {} : { promptGuidance: scale }),
      ...(values['prompt-guidance-frames'] === undefined
        ? {}
        : { promptGuidanceFrames: Number(values['prompt-guidance-frames']) }),
      // Streaming decodes after every latent frame (what `orbis predict` does while it writes MP4s).
      ...(values.stream ? { onFrames: () => {} } : {}),
    });
  const row = (run: number, r: Awaited<ReturnType<typeof predictOnce>>) => {
    const generated = r.tokens.dims[1] - latentsOf(predictor.config, given);
    const tokens = generated * r.tokens.dims[2] * r.tokens.dims[3] * samples;
    return {
      run,
      seconds: r.seconds,
      tokensPerSecond: tokens / r.seconds,
      realTime: r.seconds / (33 / 24),
      steps: r.steps,
    };
  };
  const byScale: ReturnType<typeof row>[][] = scales.map(() => []);
  const copyRows = [];
  if (scales.length > 1) for (const scale of scales) await predictOnce(1000, true, scale);
  for (let run = 0; run < Number(values.runs); run++) {
    for (const [i, scale] of scales.entries())
      byScale[i]!.push(row(run, await predictOnce(run, true, scale)));
    if (values['compare-drafts']) copyRows.push(row(run, await predictOnce(run, false)));
  }
  const rows = byScale[0]!;
  // The peer: the step loop alone, ONNX Runtime (this predictor's session) against PyTorch, interleaved.
  const config = predictor.config;
  const [latents, gridRows, gridCols] = config.grid;
  const grid = gridRows * gridCols;
  const prefill = config.promptLength + grid;
  const steps = (latents - 1) * grid - 1;
  const peer = { ort: Number.POSITIVE_INFINITY, torch: Number.POSITIVE_INFINITY };
  // The peer runs the cache the way the export does: written in place (grown by blocks where its capacity is
  // symbolic), or grown and handed back whole.
  const manifest = (await store.resolve(name)).manifest;
  const cache = cacheForm(manifest.files.flatMap((f) => f.inputs ?? []));
  const peerConfig = JSON.stringify({
    ...config,
    fixed: cache !== 'grown',
    block: cacheBlock(cache),
    batch: samples,
    prefill,
    steps,
    threads: Number(values.threads),
  });
  for (let run = 0; run < (values['skip-peer'] ? 0 : Number(values.runs)); run++) {
    const started = performance.now();
    const rollout = predictor.model.rollout(samples);
    await rollout.step(new Array(samples * prefill).fill(0));
    for (let i = 0; i < steps; i++) await rollout.step(new Array(samples).fill(0));
    peer.ort = Math.min(peer.ort, (performance.now() - started) / 1000);
    const out = execFileSync('/usr/bin/python3', ['-c', PEER, recipe, peerConfig], { encoding: 'utf8' });
    peer.torch = Math.min(peer.torch, Number(out.trim()));
  }
  // What a step of several tokens costs against one (the price of verifying speculative drafts): 10 steps of S
  // tokens from a position 60% into the sequence, after an untimed prefill; the mean step, best of 5.
  const at = Math.round(0.6 * (prefill + steps));
  const multi: { tokens: number; ms: number }[] = [];
  for (const size of values['skip-peer'] ? [] : [1, 5, 9]) {
    let ms = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 5; i++) {
      const rollout = predictor.model.rollout(samples);
      await rollout.step(new Array(samples * at).fill(0));
      const started = performance.now();
      for (let k = 0; k < 10; k++) await rollout.step(new Array(samples * size).fill(0));
      ms = Math.min(ms, (performance.now() - started) / 10);
    }
    multi.push({ tokens: size, ms });
  }
  await predictor.close();
  // Runs draw different futures, and a future's steps depend on what moves in it: the median run, and the range.
  const median = <T extends { seconds: number }>(list: T[]) =>
    [...list].sort((a, b) => a.seconds - b.seconds)[(list.length - 1) >> 1]!;
  const range = (list: number[], digits: number) =>
    `${Math.min(...list).toFixed(digits)}-${Math.max(...list).toFixed(digits)}`;
  const best = median(rows);
  const summary = {
    model: name,
    size: `${width}x${height}`,
    frames: 33,
    samples,
    streamed: values.stream,
    threads: Number(values.threads),
    runs: rows,
    median: best,
    ...(scales.length > 1
      ? {
          byPromptGuidance: scales.map((g, i) => ({
            promptGuidance: g,
            runs: byScale[i],
            median: median(byScale[i]!),
          })),
        }
      : {}),
    ...(copyRows.length ? { copyDraftRuns: copyRows } : {}),
    steps: {
      cache,
      prefill,
      steps,
      onnxRuntimeSeconds: peer.ort,
      pytorchSeconds: peer.torch,
      ratio: peer.torch / peer.ort,
    },
    multiTokenSteps: { position: at, steps: multi },
  };
  if (values.json) console.log(JSON.stringify(summary, null, 2));
  else {
    const of = rows.length > 1 ? `median of ${rows.length} futures (seeds 0-${rows.length - 1}), ` : '';
    for (const [i, scale] of scales.entries()) {
      const these = byScale[i]!;
      const mid = median(these);
      const guided = scales.length > 1 ? `, prompt guidance ${scale}` : '';
      console.log(
        `${name} at ${summary.size}, ${samples} future(s) of 33 frames from ${given} (${start}${guided}), ${summary.threads} threads${values.stream ? ', streamed' : ''}: ${of}${mid.seconds.toFixed(2)} s, ${mid.tokensPerSecond.toFixed(0)} tokens/s, ${mid.realTime.toFixed(2)}x the video's 1.375 s, ${mid.steps} model steps` +
          (these.length > 1
            ? `; all: ${range(
                these.map((r) => r.realTime),
                2,
              )}x real time, ${range(
                these.map((r) => r.steps),
                0,
              )} steps`
            : ''),
      );
    }
    if (copyRows.length) {
      const sum = (list: { seconds: number; steps: number }[], key: 'seconds' | 'steps') =>
        list.reduce((a, r) => a + r[key], 0);
      console.log(
        `the same futures drafting only the token a latent frame earlier: ${(sum(copyRows, 'seconds') / copyRows.length).toFixed(2)} s and ${(sum(copyRows, 'steps') / copyRows.length).toFixed(0)} steps a future against ${(sum(rows, 'seconds') / rows.length).toFixed(2)} s and ${(sum(rows, 'steps') / rows.length).toFixed(0)} (steps ${(sum(copyRows, 'steps') / sum(rows, 'steps')).toFixed(2)}x, time ${(sum(copyRows, 'seconds') / sum(rows, 'seconds')).toFixed(2)}x)`,
      );
    }
    if (!values['skip-peer']) {
      console.log(
        `step loop (prefill ${prefill} + ${steps} steps, batch ${samples}, ${{ layers: 'cache in place, grown by blocks, one input per layer', blocks: 'cache in place, grown by blocks', fixed: 'cache in place', grown: 'cache copied in and out' }[cache]}): ONNX Runtime ${peer.ort.toFixed(2)} s, PyTorch ${peer.torch.toFixed(2)} s (PyTorch / ONNX Runtime ${(peer.torch / peer.ort).toFixed(2)}x)`,
      );
      console.log(
        `one step from position ${at}: ${multi.map((m) => `${m.tokens} token(s) ${m.ms.toFixed(2)} ms`).join(', ')}`,
      );
    }
  }
} finally {
  rmSync(temp, { recursive: true, force: true });
}
