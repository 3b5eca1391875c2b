/**
 * Tokenizer benchmark, two parts.
 *
 * Quality: held-out clips (sim scenes from the evaluation seed range, several scenarios and looks; ffmpeg's
 * procedural testsrc2, mandelbrot and life) round-tripped through the model, against (a) bicubic down to the
 * latent's spatial size and back (src/eval's PIL-style resizeBicubic, per frame) and (b) x264 (2-pass, target
 * bitrate) at the bits the latent costs: 16 per continuous value, log2(codebook) per discrete token.
 *
 * Speed: encode + decode frames/s through ONNX Runtime from TypeScript against PyTorch (Debian's CPU build,
 * bench/tokenizer_torch.py) on the same weights, threads and input. Shipped models carry no model.pt, so a
 * one-step model with the named model's architecture (read back from its manifest and weights by
 * training/tokenizer/onnx_weights.py, or --kind, --spatial, --width, --blocks) is trained into a temp folder and
 * both runtimes time those identical weights.
 *
 *   npm run bench:tokenizer -- --model tokenizer-cv4x8x8
 *   npm run bench:tokenizer -- --model tiny --size 256 --frames 33 --skip-speed --json
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { type Image, psnr, resizeBicubic, ssim } from '../src/eval/index.js';
import { ModelStore } from '../src/runtime/index.js';
import {
  EVAL_SEED_BASE,
  findScenario,
  makeLook,
  renderView,
  simulate,
  worldViews,
} from '../src/sim/index.js';
import { type TokenizerFrame, toTensor, VideoTokenizer } from '../src/tokenizer/index.js';
import { compare, formatTable } from './harness.js';

const FPS = 24;
const root = resolve(import.meta.dirname, '..');
const TORCH_PYTHON = '/usr/bin/python3';
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

interface Source {
  group: string;
  name: string;
  frames: TokenizerFrame[];
}

interface Scores {
  psnr: number;
  ssim: number;
}

/** A held-out sim clip: a seed from the evaluation range (training never uses it), in look `look`. */
async function simClip(
  scenario: string,
  seed: number,
  look: number,
  size: number,
  frames: number,
): Promise<Source> {
  const world = findScenario(scenario)!.generate(seed, { frames, fps: FPS });
  const rollout = await simulate(world, frames, FPS);
  const camera = worldViews(world, size, size)[look % 4]!;
  const video = renderView(rollout, makeLook(world, look), camera);
  const n = size * size * 3;
  return {
    group: 'sim (held-out seeds)',
    name: `${scenario} seed ${seed} look ${look}`,
    frames: Array.from({ length: frames }, (_, f) => ({
      width: size,
      height: size,
      data: video.rgb.slice(f * n, (f + 1) * n),
    })),
  };
}

/** An ffmpeg lavfi source as RGB frames. */
function lavfiClip(name: string, options: string, size: number, frames: number): Source {
  const raw = execFileSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      `${name}=size=${size}x${size}:rate=${FPS}${options}`,
      '-frames:v',
      String(frames),
    ].concat(['-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']),
    { maxBuffer: 1 << 30 },
  );
  const n = size * size * 3;
  return {
    group: name,
    name,
    frames: Array.from({ length: frames }, (_, f) => ({
      width: size,
      height: size,
      data: new Uint8Array(raw.subarray(f * n, (f + 1) * n)),
    })),
  };
}

const image = (f: TokenizerFrame): Image => ({ width: f.width, height: f.height, channels: 3, data: f.data });

function score(pred: readonly TokenizerFrame[], target: readonly TokenizerFrame[]): Scores {
  let p = 0;
  let s = 0;
  target.forEach((t, i) => {
    p += psnr(image(pred[i]!), image(t), { maxDb: 100 });
    s += ssim(image(pred[i]!), image(t));
  });
  return { psnr: p / target.length, ssim: s / target.length };
}

function bicubic(frames: readonly TokenizerFrame[], factor: number): TokenizerFrame[] {
  return frames.map((f) => {
    const small = resizeBicubic(image(f), f.width / factor, f.height / factor);
    const back = resizeBicubic(small, f.width, f.height);
    return { width: f.width, height: f.height, data: Uint8Array.from(back.data) };
  });
}

/**
 * x264 (preset medium) at no more than `budget` bits for the whole clip. First 2-pass at a target bitrate,
 * corrected and encoded again (at most 4 more times) until it lands within 90-100% of budget; where 2-pass
 * cannot (x264 refuses rates under about 10 kbps, overshoots, or stops short), also the lowest CRF whose
 * stream fits, CRF 51 if none does. The candidate with the most bits within budget is kept.
 * Bits counted are the H.264 stream without its SEI (x264's settings string, which a decoder does not need).
 */
function x264(
  frames: readonly TokenizerFrame[],
  budget: number,
  dir: string,
): { frames: TokenizerFrame[]; bits: number; mode: string } {
  const { width, height } = frames[0]!;
  const raw = join(dir, 'clip.rgb');
  writeFileSync(raw, Buffer.concat(frames.map((f) => f.data)));
  const seconds = frames.length / FPS;
  const input = ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`];
  const common = [...input, '-r', String(FPS), '-i', raw, '-c:v', 'libx264', '-preset', 'medium'];
  const tail = ['-pix_fmt', 'yuv420p', '-threads', '2'];
  const out = ['-bsf:v', 'filter_units=remove_types=6', '-f', 'h264'];
  let attempt = 0;
  const tries: { path: string; bits: number; mode: string }[] = [];
  const run = (args: string[], mode: string): number => {
    const path = join(dir, `clip-${attempt++}.264`);
    execFileSync('ffmpeg', [...common, ...args, ...tail, ...out, path], { stdio: 'pipe' });
    const bits = statSync(path).size * 8;
    tries.push({ path, bits, mode });
    return bits;
  };
  const twoPass = (rate: number): number | undefined => {
    const rc = ['-b:v', String(Math.round(rate)), '-passlogfile', join(dir, 'x264')];
    try {
      execFileSync('ffmpeg', [...common, ...rc, ...tail, '-pass', '1', '-f', 'null', '-'], { stdio: 'pipe' });
      return run([...rc, '-pass', '2'], '2-pass');
    } catch {
      return undefined; // e.g. "requested bitrate is too low"
    }
  };
  let rate = budget / seconds;
  let bits = twoPass(rate);
  for (let i = 0; i < 4 && bits !== undefined && (bits > budget || bits < budget * 0.9); i++) {
    rate *= (budget / bits) * 0.98;
    bits = twoPass(rate);
  }
  // Where 2-pass overshoots, or cannot spend the budget (it stops short on easy or noisy clips), search CRF too.
  if (!tries.some((t) => t.bits <= budget && t.bits >= budget * 0.9)) {
    let lo = 0;
    let hi = 51;
    while (lo < hi) {
      const crf = (lo + hi) >> 1;
      if (run(['-crf', String(crf)], `crf ${crf}`) <= budget) hi = crf;
      else lo = crf + 1;
    }
    run(['-crf', String(lo)], `crf ${lo}`);
  }
  const fits = tries.filter((t) => t.bits <= budget);
  const best = fits.length ? fits.reduce((a, b) => (b.bits > a.bits ? b : a)) : tries.at(-1)!;
  const decoded = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-i', best.path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    { maxBuffer: 1 << 30 },
  );
  const n = width * height * 3;
  return {
    bits: best.bits,
    mode: best.mode,
    frames: frames.map((_, f) => ({
      width,
      height,
      data: new Uint8Array(decoded.subarray(f * n, (f + 1) * n)),
    })),
  };
}

async function quality(tokenizer: VideoTokenizer, size: number, frames: number, work: string) {
  const sources: Source[] = [];
  log(
    `rendering held-out sim clips (seeds from ${EVAL_SEED_BASE}) and lavfi sources at ${size}x${size}x${frames}`,
  );
  let k = 0;
  for (const scenario of ['push', 'dominoes', 'unstable-stack', 'tilted-slope'])
    for (const look of [0, 1, 2])
      sources.push(await simClip(scenario, EVAL_SEED_BASE + 101 + k++, look, size, frames));
  for (const [name, options] of [
    ['testsrc2', ''],
    ['mandelbrot', ''],
    ['life', ':seed=1:mold=10:ratio=0.15:death_color=#552200:life_color=#ffd070'],
  ] as const)
    sources.push(lavfiClip(name, options, size, frames));
  const rows: {
    source: Source;
    model: Scores;
    bicubic: Scores;
    x264: Scores;
    budget: number;
    bits: number;
    mode: string;
  }[] = [];
  for (const source of sources) {
    const trip = await tokenizer.roundTrip(source.frames, frames);
    const latentBits = (source.frames.length * size * size * 24) / trip.compression;
    const h = x264(source.frames, latentBits, work);
    rows.push({
      source,
      model: score(trip.frames, source.frames),
      bicubic: score(bicubic(source.frames, tokenizer.spatialFactor), source.frames),
      x264: score(h.frames, source.frames),
      budget: latentBits,
      bits: h.bits,
      mode: h.mode,
    });
    const last = rows.at(-1)!;
    log(
      `  ${source.name}: model ${last.model.psnr.toFixed(2)} dB, bicubic ${last.bicubic.psnr.toFixed(2)} dB, x264 ${last.x264.psnr.toFixed(2)} dB at ${(h.bits / latentBits).toFixed(2)}x the latent's bits (${h.mode})`,
    );
  }
  const groups = [...new Set(rows.map((r) => r.source.group))];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const perGroup = groups.map((group) => {
    const of = rows.filter((r) => r.source.group === group);
    const avg = (pick: (r: (typeof rows)[number]) => Scores) => ({
      psnr: mean(of.map((r) => pick(r).psnr)),
      ssim: mean(of.map((r) => pick(r).ssim)),
    });
    return {
      source: group,
      clips: of.length,
      model: avg((r) => r.model),
      bicubic: avg((r) => r.bicubic),
      x264: avg((r) => r.x264),
      latentBits: mean(of.map((r) => r.budget)),
      x264Bits: mean(of.map((r) => r.bits)),
    };
  });
  const clips = rows.map(({ source, ...r }) => ({ clip: source.name, ...r }));
  return { groups: perGroup, clips };
}

/**
 * The architecture flags train.py takes for this model (flags given here win): read back from its manifest and
 * ONNX weights by training/tokenizer/onnx_weights.py, since a manifest's recipe line need not name them (a
 * decoder fine-tune's does not: tokenizer-dv4x8x8's since version 2).
 */
function architecture(
  tokenizer: VideoTokenizer,
  flags: { kind?: string; spatial?: string; width?: string; blocks?: string; temporal?: string },
): string[] {
  const script = join(root, 'training', 'tokenizer', 'onnx_weights.py');
  const settings = JSON.parse(
    execFileSync(TORCH_PYTHON, [script, tokenizer.model.dir], { encoding: 'utf8' }),
  ) as Record<keyof typeof flags, string | number>;
  return (['kind', 'spatial', 'width', 'blocks', 'temporal'] as const).flatMap((name) => [
    `--${name}`,
    flags[name] ?? String(settings[name]),
  ]);
}

function writeNpy(path: string, data: Float32Array, shape: readonly number[]): void {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  header += `${' '.repeat(64 - ((10 + header.length + 1) % 64))}\n`;
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix.writeUInt16LE(header.length, 8);
  writeFileSync(
    path,
    Buffer.concat([
      prefix,
      Buffer.from(header, 'latin1'),
      Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    ]),
  );
}

/** bench/tokenizer_torch.py kept running, one encode + decode per request. */
async function torchPeer(modelPt: string, input: string, threads: number) {
  const child: ChildProcessWithoutNullStreams = spawn(
    TORCH_PYTHON,
    [
      join(root, 'bench', 'tokenizer_torch.py'),
      '--model-pt',
      modelPt,
      '--input',
      input,
      '--threads',
      String(threads),
    ],
    { stdio: 'pipe' },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-2000);
  });
  const next = async (): Promise<string> => {
    const line = await lines.next();
    if (line.done) throw new Error(`tokenizer_torch.py ended: ${stderr}`);
    return line.value;
  };
  if ((await next()) !== 'ready') throw new Error(`tokenizer_torch.py did not start: ${stderr}`);
  return {
    async request(command: string): Promise<string> {
      child.stdin.write(`${command}\n`);
      return next();
    },
    close(): void {
      child.stdin.end('quit\n');
    },
  };
}

async function speed(
  tokenizer: VideoTokenizer,
  flags: { kind?: string; spatial?: string; width?: string; blocks?: string; temporal?: string },
  clip: TokenizerFrame[],
  threads: number,
  runs: number,
  work: string,
) {
  const arch = architecture(tokenizer, flags);
  log(`training a one-step model with ${arch.join(' ')} for identical weights in both runtimes`);
  const out = join(work, 'speed-model');
  execFileSync(
    TORCH_PYTHON,
    [join(root, 'training', 'tokenizer', 'train.py'), ...arch].concat([
      '--steps',
      '1',
      '--size',
      '32',
      '--frames',
      '9', // 1 + 4k and 1 + 8k alike
      '--batch',
      '1',
      '--eval-clips',
      '4',
      '--threads',
      String(threads),
      '--out',
      out,
    ]),
    { stdio: 'pipe' },
  );
  const store = new ModelStore({
    userDir: work,
    cacheDir: join(work, 'cache'),
    shippedDir: join(work, 'none'),
    offline: true,
  });
  const { data, dims } = toTensor(clip);
  const input = join(work, 'speed-input.npy');
  writeNpy(input, data, dims);
  const peer = await torchPeer(join(out, 'model.pt'), input, threads);
  const results = [];
  try {
    for (const ortThreads of [threads]) {
      const ort = await VideoTokenizer.load(store, 'speed-model', {
        providers: ['cpu'],
        threads: ortThreads,
      });
      try {
        let last: Float32Array | undefined;
        const comparison = await compare(
          `encode + decode ${clip.length} frames of ${clip[0]!.width}x${clip[0]!.height}, ${threads} threads`,
          'frames',
          {
            name: `ONNX Runtime (TypeScript, ${ortThreads} intra-op threads)`,
            run: async () => {
              last = (await ort.decode(await ort.encode(data, dims))).data;
              return clip.length;
            },
          },
          {
            name: `PyTorch (${threads} threads)`,
            run: async () => {
              const seconds = Number(await peer.request('run'));
              if (!Number.isFinite(seconds)) throw new Error('tokenizer_torch.py gave no time');
              return clip.length;
            },
          },
          { runs, warmup: 1, log },
        );
        await peer.request(`output ${join(work, 'torch-output.npy')}`);
        const reference = readFileSync(join(work, 'torch-output.npy'));
        const headerLength = reference.readUInt16LE(8);
        const torchOut = new Float32Array(reference.buffer.slice(reference.byteOffset + 10 + headerLength));
        const maxDiff = last!.reduce((m, v, i) => Math.max(m, Math.abs(v - torchOut[i]!)), 0);
        results.push({ ...comparison, maxAbsDifference: maxDiff });
      } finally {
        await ort.close();
      }
    }
  } finally {
    peer.close();
  }
  return { architecture: arch.join(' '), results };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      size: { type: 'string', default: '128' },
      frames: { type: 'string', default: '17' },
      'speed-size': { type: 'string', default: '128' },
      'speed-frames': { type: 'string', default: '17' },
      threads: { type: 'string', default: '2' },
      runs: { type: 'string', default: '5' },
      kind: { type: 'string' },
      spatial: { type: 'string' },
      width: { type: 'string' },
      blocks: { type: 'string' },
      temporal: { type: 'string' },
      'skip-quality': { type: 'boolean', default: false },
      'skip-speed': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.model) throw new Error('--model <name> is required (a tokenizer the model store can resolve)');
  const store = new ModelStore({
    cacheDir: process.env.ORBIS_CACHE_DIR ?? join(homedir(), '.cache', 'orbis'),
    offline: true,
    ...(process.env.ORBIS_MODEL_DIR ? { userDir: process.env.ORBIS_MODEL_DIR } : {}),
  });
  const threads = Number(values.threads);
  const tokenizer = await VideoTokenizer.load(store, values.model, { providers: ['cpu'], threads });
  const work = mkdtempSync(join(tmpdir(), 'orbis-bench-tokenizer-'));
  const report: Record<string, unknown> = {
    model: tokenizer.model.manifest.name,
    version: tokenizer.model.manifest.version,
    kind: tokenizer.kind,
    bitsPerLatentPosition: tokenizer.bitsPerPosition,
  };
  try {
    if (!values['skip-quality']) {
      const { groups: rows, clips } = await quality(
        tokenizer,
        Number(values.size),
        Number(values.frames),
        work,
      );
      report.quality = { size: `${values.size}x${values.size}`, frames: Number(values.frames), rows, clips };
      const f = (s: { psnr: number; ssim: number }) => `${s.psnr.toFixed(2)} / ${s.ssim.toFixed(4)}`;
      log('');
      log(
        `quality, PSNR dB / SSIM, ${values.size}x${values.size}x${values.frames} clips, model ${values.model}:`,
      );
      log(
        formatTable([
          ['source', 'clips', 'model', 'bicubic', 'x264 same bits', 'latent kbit', 'x264 kbit'],
          ...rows.map((r) => [
            r.source,
            String(r.clips),
            f(r.model),
            f(r.bicubic),
            f(r.x264),
            (r.latentBits / 1000).toFixed(1),
            (r.x264Bits / 1000).toFixed(1),
          ]),
        ]),
      );
    }
    if (!values['skip-speed']) {
      const size = Number(values['speed-size']);
      const clip = (await simClip('push', EVAL_SEED_BASE + 7, 0, size, Number(values['speed-frames'])))
        .frames;
      const s = await speed(tokenizer, values, clip, threads, Number(values.runs), work);
      report.speed = s;
      log('');
      log(`speed (${s.architecture}, one-step weights):`);
      for (const r of s.results)
        log(
          `  ${r.title}: ${r.ours.name} ${r.ours.median.toFixed(2)} frames/s, ${r.peer.name} ${r.peer.median.toFixed(2)} frames/s, ratio ${r.ratio.toFixed(2)} (outputs differ by at most ${r.maxAbsDifference.toExponential(1)})`,
        );
    }
  } finally {
    await tokenizer.close();
    rmSync(work, { recursive: true, force: true });
  }
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

await main();
