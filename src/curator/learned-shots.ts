import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { OrbisError } from '../core/index.js';
import { createTensor, type ModelSession, openSession } from '../runtime/index.js';
import { type BoundaryDetector, type DetectedBoundary, type DetectorFrame, FrameSeries } from './shots.js';

/**
 * The slot for a learned shot-boundary detector with TransNetV2's interface: frames at 48x27 RGB (0-255) in
 * windows of 100, [B, 100, 27, 48, 3] float32, giving per frame the logit that it is the last frame of its
 * shot (`single_frame_pred`, [B, 100, 1]). As TransNetV2's own inference does, the video is padded with 25
 * copies of its first frame in front and copies of its last at the end, windows advance by 50 frames, and
 * each window's middle 50 predictions are kept. Runs of frames over the threshold become boundaries: one or
 * two frames, a cut after the run; longer, a gradual transition over it.
 */
export interface TransNetOptions {
  /** Probability above which a frame ends its shot (default 0.5). */
  threshold?: number;
  /** Execution providers, in order (default CUDA, then CPU). */
  providers?: ('cuda' | 'cpu')[];
  threads?: number;
}

const WINDOW = 100;
const STRIDE = 50;
const PAD = 25;
const WIDTH = 48;
const HEIGHT = 27;
const FRAME = WIDTH * HEIGHT * 3;

export class TransNetModel {
  private constructor(
    private readonly session: ModelSession,
    private readonly input: string,
    private readonly output: string,
    readonly threshold: number,
    /** Names this model and threshold in cache file names (a hash of the weights and the threshold). */
    readonly tag: string,
  ) {}

  static async load(path: string, options: TransNetOptions = {}): Promise<TransNetModel> {
    const session = await openSession(path, {
      ...(options.providers ? { providers: options.providers } : {}),
      ...(options.threads ? { threads: options.threads } : {}),
    });
    const input = session.inputs[0];
    const shape = input?.shape ?? [];
    const fixed = shape.slice(1).map(String).join('x');
    if (session.inputs.length !== 1 || fixed !== `${WINDOW}x${HEIGHT}x${WIDTH}x3`) {
      await session.close();
      throw new OrbisError(
        'MODEL_INPUT_MISMATCH',
        `${path} does not take TransNetV2's input [batch, ${WINDOW}, ${HEIGHT}, ${WIDTH}, 3] (it takes ${session.inputs.map((i) => `${i.name} [${i.shape.join(', ')}]`).join(', ')})`,
        {
          hint: 'export TransNetV2 (or a model with its interface) to ONNX, or leave curator setting "split.model" unset',
        },
      );
    }
    const output = session.outputs.find((o) => o.name === 'single_frame_pred') ?? session.outputs[0]!;
    const threshold = options.threshold ?? 0.5;
    const tag = createHash('sha256')
      .update(await readFile(path))
      .update(String(threshold))
      .digest('hex')
      .slice(0, 12);
    return new TransNetModel(session, input!.name, output.name, threshold, tag);
  }

  /** A detector for one video; the model is shared. */
  detector(): TransNetDetector {
    return new TransNetDetector(this);
  }

  /** Probabilities for one window of 100 frames. */
  async predict(window: Float32Array): Promise<Float32Array> {
    const out = await this.session.run({
      [this.input]: createTensor('float32', window, [1, WINDOW, HEIGHT, WIDTH, 3]),
    });
    const logits = out[this.output]!.data as Float32Array;
    const p = new Float32Array(WINDOW);
    for (let i = 0; i < WINDOW; i++) p[i] = 1 / (1 + Math.exp(-logits[i]!));
    return p;
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

export class TransNetDetector implements BoundaryDetector {
  /** Small frames not yet consumed by a window, starting at frame `base - PAD` of the padded video. */
  private frames: Float32Array[] = [];
  private readonly probabilities = new FrameSeries();
  private count = 0;
  private previous: Uint8Array | undefined;
  private difference = 0;
  private readonly luma = new FrameSeries();
  private readonly times = new FrameSeries();
  private found: DetectedBoundary[] = [];
  /** Frames whose probability is known. */
  private predicted = 0;
  /** Frames judged into boundaries so far. */
  private judged = 0;
  private run: { start: number; peak: number } | undefined;

  constructor(private readonly model: TransNetModel) {}

  async push(frame: DetectorFrame): Promise<void> {
    this.difference = this.previous ? meanAbsDiff(this.previous, frame.data) : 0;
    this.previous = frame.data;
    const small = shrink(frame);
    if (this.count === 0) for (let i = 0; i < PAD; i++) this.frames.push(small);
    this.frames.push(small);
    this.luma.set(this.count, meanOf(small));
    this.times.set(this.count, frame.timestamp);
    this.count++;
    if (this.frames.length >= WINDOW) await this.window();
  }

  lastDifference(): number {
    return this.difference;
  }

  settled(): { boundaries: DetectedBoundary[]; before: number } {
    // A run still open may become a gradual transition: nothing can start before it.
    return { boundaries: [...this.found], before: this.run ? this.run.start : this.judged };
  }

  async finish(): Promise<DetectedBoundary[]> {
    if (this.count === 0) return [];
    const last = this.frames.at(-1)!;
    // Pad to the end, then windows until every frame has its probability.
    while (this.predicted < this.count) {
      while (this.frames.length < WINDOW) this.frames.push(last);
      await this.window();
    }
    this.judge(this.count, true);
    return [...this.found];
  }

  private async window(): Promise<void> {
    const input = new Float32Array(WINDOW * FRAME);
    for (let i = 0; i < WINDOW; i++) input.set(this.frames[i]!, i * FRAME);
    const p = await this.model.predict(input);
    for (let i = PAD; i < PAD + STRIDE && this.predicted < this.count; i++)
      this.probabilities.set(this.predicted++, p[i]!);
    this.frames = this.frames.slice(STRIDE);
    this.judge(this.predicted, false);
  }

  /** Turn the probabilities of frames [judged, upTo) into boundaries. */
  private judge(upTo: number, end: boolean): void {
    const threshold = this.model.threshold;
    for (; this.judged < upTo; this.judged++) {
      const t = this.judged;
      const p = this.probabilities.get(t) ?? 0;
      if (p > threshold) {
        if (!this.run) this.run = { start: t, peak: p };
        else this.run.peak = Math.max(this.run.peak, p);
      } else if (this.run) {
        this.close(this.run, t);
        this.run = undefined;
      }
    }
    // Judged frames are let go; a run still open needs its first frame's luma and time.
    const keep = this.run ? this.run.start : this.judged;
    this.probabilities.forgetBefore(keep);
    this.luma.forgetBefore(keep);
    this.times.forgetBefore(keep);
    if (end && this.run) {
      this.close(this.run, upTo);
      this.run = undefined;
    }
  }

  /** A run of frames [start, end) over the threshold: each is the last frame of its shot. */
  private close(run: { start: number; peak: number }, end: number): void {
    if (end - run.start <= 2) {
      if (end >= this.count) return; // the video ends: no shot follows
      this.found.push({
        kind: 'cut',
        transition: 'cut',
        frame: end,
        time: this.times.get(end) ?? 0,
        startFrame: end,
        endFrame: end + 1,
        score: run.peak,
      });
      return;
    }
    const middle = Math.floor((run.start + end) / 2);
    const dark = (this.luma.get(middle) ?? 255) < 24;
    this.found.push({
      kind: 'gradual',
      transition: dark ? 'fade' : 'dissolve',
      frame: middle,
      time: this.times.get(middle) ?? 0,
      startFrame: run.start,
      endFrame: end,
      score: run.peak,
    });
  }
}

/** Area-average an analysis frame down to 48x27 RGB, as float 0-255. */
function shrink(frame: DetectorFrame): Float32Array {
  const { width, data } = frame;
  const height = data.length / 3 / width;
  const out = new Float32Array(FRAME);
  const counts = new Float32Array(WIDTH * HEIGHT);
  for (let y = 0; y < height; y++) {
    const ty = Math.min(HEIGHT - 1, Math.floor((y * HEIGHT) / height));
    for (let x = 0; x < width; x++) {
      const tx = Math.min(WIDTH - 1, Math.floor((x * WIDTH) / width));
      const o = ty * WIDTH + tx;
      const i = (y * width + x) * 3;
      out[o * 3]! += data[i]!;
      out[o * 3 + 1]! += data[i + 1]!;
      out[o * 3 + 2]! += data[i + 2]!;
      counts[o]! += 1;
    }
  }
  for (let o = 0; o < counts.length; o++) {
    const n = counts[o]! || 1;
    out[o * 3]! /= n;
    out[o * 3 + 1]! /= n;
    out[o * 3 + 2]! /= n;
  }
  return out;
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

function meanOf(a: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]!;
  return sum / a.length;
}
