/**
 * Action following (issue 9, item 6): one start state, two action sequences, the simulator's outcome of
 * each. A predictor generates from the same first frames under each sequence; the end effector and the
 * objects the actions move are tracked on what it generated and compared with the truth of its own
 * sequence and with the truth of the other one. Following = closer to its own sequence's truth. A predictor
 * that ignores the actions makes the same video under both, so its own-minus-other margin is 0 on average
 * (exactly 0 when deterministic).
 *
 * Like the physics suite, the cases come in as data (eval/ may not import sim/): the CLI renders them.
 */
import { OrbisError } from '../core/index.js';
import { mean } from './metric.js';
import type { LoadedPredictor, PhysicsCase, RgbFrame } from './physics.js';
import { checkConditioning, sequenceIou, trackedMasks, trackedObjects, videoPsnr } from './physics-eval.js';

/** One action sequence from the case's start and what the simulator made of it. */
export interface ActionSequence {
  /** e.g. `scripted`, `random`. */
  name: string;
  /** Per-frame 7-D actions, `frames.length` x 7, frame 0 included. */
  actions: Float32Array;
  frames: RgbFrame[];
  /** Instance-id masks per frame. */
  masks: Uint8Array[];
}

/** One start state under two action sequences; their first `conditioningFrames` frames are the same. */
export interface ActionCase {
  scenario: string;
  seed: number;
  view: number;
  /** The prompt, the same for both sequences. */
  caption: string;
  sequences: [ActionSequence, ActionSequence];
  /** Ids of the end effector's parts (palm, fingers). */
  effector: number[];
  /** Ids of the objects on the table (dynamic). */
  objects: number[];
}

/** IoU and PSNR of one sequence's generated videos against its own truth and the other's. */
export interface FollowScores {
  effectorOwn: number;
  effectorOther: number;
  objectsOwn: number;
  objectsOther: number;
  psnrOwn: number;
  psnrOther: number;
}

const FOLLOW_KEYS = [
  'effectorOwn',
  'effectorOther',
  'objectsOwn',
  'objectsOther',
  'psnrOwn',
  'psnrOther',
] as const satisfies readonly (keyof FollowScores)[];

/** Every score of a FollowScores, each made by `score`. */
const followScores = (score: (key: keyof FollowScores) => number): FollowScores =>
  Object.fromEntries(FOLLOW_KEYS.map((k) => [k, score(k)])) as unknown as FollowScores;

export interface ActionSequenceResult extends FollowScores {
  name: string;
}

export interface ActionCaseResult {
  seed: number;
  view: number;
  /** The objects scored: those whose true masks differ between the two sequences (the ones actions move). */
  movedObjects: number[];
  /** How alike the two truths are (IoU truth A vs truth B): the room there is to tell them apart. */
  truthEffectorIou: number;
  truthObjectsIou: number;
  sequences: [ActionSequenceResult, ActionSequenceResult];
  /** The same scores for the truth itself, tracked: the most a predictor can show. */
  ceiling: [ActionSequenceResult, ActionSequenceResult];
  /** Mean over the two sequences of own - other (effector and objects IoU). */
  effectorMargin: number;
  objectsMargin: number;
}

export interface ActionReport {
  model: string;
  conditioningFrames: number;
  samples: number;
  cases: ActionCaseResult[];
  mean: FollowScores & {
    effectorMargin: number;
    objectsMargin: number;
    ceilingEffectorMargin: number;
    ceilingObjectsMargin: number;
    /** Share of (seed, sequence) pairs whose effector IoU is higher against its own truth. */
    effectorFollowed: number;
    objectsFollowed: number;
  };
  errors: { seed: number; view: number; error: string }[];
  note?: string;
  /**
   * The same starts with each sequence's truth through the model's tokenizer and back: what a perfect model in
   * that token space could show (set by the caller for world models).
   */
  tokenSpace?: { tokenizer: string; mean: ActionReport['mean'] };
}

export interface ActionRunOptions {
  conditioningFrames: number;
  samples: number;
  seed?: number;
  /** An object counts as moved by the actions when its truth-A vs truth-B IoU is below this (default 0.9). */
  movedBelow?: number;
  onCase?: (result: ActionCaseResult) => void;
}

/** A `PhysicsCase` view of one sequence, tracking `ids`. */
function asClip(c: ActionCase, s: ActionSequence, ids: number[]): PhysicsCase {
  return {
    scenario: c.scenario,
    seed: c.seed,
    view: c.view,
    caption: c.caption,
    frames: s.frames,
    masks: s.masks,
    objects: ids,
  };
}

const finiteMean = (values: number[]) => {
  const v = values.filter((x) => Number.isFinite(x));
  return v.length ? mean(v) : Number.NaN;
};

/** Scores videos generated under sequence `k` against both truths. */
function follow(
  c: ActionCase,
  k: 0 | 1,
  videos: readonly RgbFrame[][],
  effector: number[],
  moved: number[],
  conditioningFrames: number,
): ActionSequenceResult {
  const own = c.sequences[k];
  const other = c.sequences[1 - k]!;
  const clip = asClip(c, own, [...effector, ...moved]);
  const { width, height } = own.frames[0]!;
  const tail = (m: Uint8Array[]) => m.slice(conditioningFrames);
  const per = [...new Set(videos)].map((v) => {
    const masks = trackedMasks(clip, v, conditioningFrames);
    const iou = (truth: Uint8Array[], ids: number[]) =>
      masks.length ? sequenceIou(masks, tail(truth), ids, width, height) : Number.NaN;
    return {
      weight: videos.filter((x) => x === v).length,
      effectorOwn: iou(own.masks, effector),
      effectorOther: iou(other.masks, effector),
      objectsOwn: iou(own.masks, moved),
      objectsOther: iou(other.masks, moved),
      psnrOwn: videoPsnr(v, own.frames, conditioningFrames),
      psnrOther: videoPsnr(v, other.frames, conditioningFrames),
    };
  });
  const total = per.reduce((s, p) => s + p.weight, 0);
  const avg = (key: keyof FollowScores) => per.reduce((s, p) => s + p[key] * p.weight, 0) / total;
  return { name: own.name, ...followScores(avg) };
}

function checkCase(c: ActionCase, conditioningFrames: number): void {
  const [a, b] = c.sequences;
  if (a.frames.length !== b.frames.length || a.masks.length !== a.frames.length)
    throw new OrbisError('INVALID_ARGUMENT', 'the two sequences of an action case differ in length');
  for (let f = 0; f < conditioningFrames; f++)
    if (!a.frames[f]!.data.every((v, i) => v === b.frames[f]!.data[i]))
      throw new OrbisError(
        'INVALID_ARGUMENT',
        `the two sequences differ in conditioning frame ${f}: they must share their start`,
      );
}

const margin = (r: readonly FollowScores[], kind: 'effector' | 'objects') =>
  finiteMean(r.map((s) => s[`${kind}Own`] - s[`${kind}Other`]));

/** Runs a predictor on each case under both of its action sequences and scores how it follows them. */
export async function runActionEval(
  predictor: LoadedPredictor,
  cases: AsyncIterable<ActionCase> | Iterable<ActionCase>,
  options: ActionRunOptions,
): Promise<ActionReport> {
  const c = checkConditioning(predictor, options.conditioningFrames);
  const movedBelow = options.movedBelow ?? 0.9;
  const results: ActionCaseResult[] = [];
  const errors: ActionReport['errors'] = [];
  for await (const item of cases) {
    try {
      checkCase(item, c);
      const [a, b] = item.sequences;
      const { width, height } = a.frames[0]!;
      const visible = (ids: number[]) => trackedObjects(asClip(item, a, ids), c);
      const effector = visible(item.effector);
      const tail = (s: ActionSequence) => s.masks.slice(c);
      const moved = visible(item.objects).filter(
        (id) => sequenceIou(tail(a), tail(b), [id], width, height) < movedBelow,
      );
      const generated: RgbFrame[][][] = [];
      for (const s of item.sequences) {
        const videos = await predictor.predict({
          frames: s.frames.slice(0, c),
          caption: item.caption,
          actions: s.actions,
          scenario: item.scenario,
          conditioningFrames: c,
          samples: options.samples,
          seed: options.seed ?? 0,
          conditioningMasks: s.masks.slice(0, c),
          objects: [...effector, ...visible(item.objects)],
          // A ceiling (the tokenizer's round trip) reads this sequence's truth; a predictor never does.
          ...(predictor.readsTruth ? { truth: s.frames } : {}),
        });
        if (videos.length !== options.samples)
          throw new OrbisError(
            'MODEL_INPUT_MISMATCH',
            `${videos.length} futures returned, ${options.samples} asked`,
          );
        for (const v of videos)
          if (v.length !== s.frames.length || v.some((f) => f.width !== width || f.height !== height))
            throw new OrbisError(
              'MODEL_INPUT_MISMATCH',
              `the predictor returned ${v.length} frames of ${v[0]?.width}x${v[0]?.height}, the case needs ${s.frames.length} of ${width}x${height}`,
            );
        generated.push(videos);
      }
      const sequences: [ActionSequenceResult, ActionSequenceResult] = [
        follow(item, 0, generated[0]!, effector, moved, c),
        follow(item, 1, generated[1]!, effector, moved, c),
      ];
      const ceiling: [ActionSequenceResult, ActionSequenceResult] = [
        follow(item, 0, [a.frames], effector, moved, c),
        follow(item, 1, [b.frames], effector, moved, c),
      ];
      const result: ActionCaseResult = {
        seed: item.seed,
        view: item.view,
        movedObjects: moved,
        truthEffectorIou: sequenceIou(tail(a), tail(b), effector, width, height),
        truthObjectsIou: sequenceIou(tail(a), tail(b), moved, width, height),
        sequences,
        ceiling,
        effectorMargin: margin(sequences, 'effector'),
        objectsMargin: margin(sequences, 'objects'),
      };
      results.push(result);
      options.onCase?.(result);
    } catch (error) {
      errors.push({
        seed: item.seed,
        view: item.view,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  const all = results.flatMap((r) => r.sequences);
  const of = (key: keyof FollowScores) => finiteMean(all.map((s) => s[key]));
  const followed = (kind: 'effector' | 'objects') => {
    const scored = all.filter((s) => Number.isFinite(s[`${kind}Own`] - s[`${kind}Other`]));
    return scored.length
      ? scored.filter((s) => s[`${kind}Own`] > s[`${kind}Other`]).length / scored.length
      : Number.NaN;
  };
  return {
    model: predictor.name,
    conditioningFrames: c,
    samples: options.samples,
    cases: results,
    mean: {
      ...followScores(of),
      effectorMargin: finiteMean(results.map((r) => r.effectorMargin)),
      objectsMargin: finiteMean(results.map((r) => r.objectsMargin)),
      ceilingEffectorMargin: finiteMean(results.map((r) => margin(r.ceiling, 'effector'))),
      ceilingObjectsMargin: finiteMean(results.map((r) => margin(r.ceiling, 'objects'))),
      effectorFollowed: followed('effector'),
      objectsFollowed: followed('objects'),
    },
    errors,
    ...(predictor.note ? { note: predictor.note } : {}),
  };
}

const n = (v: number, d: number, w: number) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a').padStart(w);

/** The action-following table: per seed and sequence, own vs other truth; the mean and the margins. */
export function actionTable(report: ActionReport): string[] {
  const m = report.mean;
  const row = (label: string, s: FollowScores) =>
    `${label.padEnd(20)} ${n(s.effectorOwn, 3, 7)} ${n(s.effectorOther, 3, 9)} ${n(s.objectsOwn, 3, 7)} ${n(s.objectsOther, 3, 9)} ${n(s.psnrOwn, 2, 8)} ${n(s.psnrOther, 2, 10)}`;
  const lines = [
    `action following: ${report.model}, push, ${report.cases.length} start(s), ${report.conditioningFrames} conditioning frame(s), ${report.samples} sample(s) per sequence`,
    `${'seed / sequence'.padEnd(20)} ${'eff own'.padStart(7)} ${'eff other'.padStart(9)} ${'obj own'.padStart(7)} ${'obj other'.padStart(9)} ${'PSNR own'.padStart(8)} ${'PSNR other'.padStart(10)}`,
  ];
  for (const r of report.cases) for (const s of r.sequences) lines.push(row(`${r.seed} ${s.name}`, s));
  lines.push(row('mean', m));
  const truth = report.cases.flatMap((r) => r.ceiling);
  const avg = (key: keyof FollowScores) => finiteMean(truth.map((t) => t[key]));
  lines.push(row('truth (tracked)', followScores(avg)));
  lines.push(
    `margin own - other (IoU): effector ${n(m.effectorMargin, 3, 0)}, objects ${n(m.objectsMargin, 3, 0)}; the truth tracked (ceiling): effector ${n(m.ceilingEffectorMargin, 3, 0)}, objects ${n(m.ceilingObjectsMargin, 3, 0)}`,
    `closer to its own truth: effector ${n(100 * m.effectorFollowed, 0, 0)}%, objects ${n(100 * m.objectsFollowed, 0, 0)}% of sequences (ignoring the actions: margin 0, about 50%)`,
    'eff / obj: IoU of the tracked end effector / of the objects the two sequences move differently, against the truth of the same sequence (own) and of the other (other)',
  );
  const space = report.tokenSpace;
  if (space)
    lines.push(
      `the truth through ${space.tokenizer} and back (a perfect model in its tokens): margin effector ${n(space.mean.effectorMargin, 3, 0)}, objects ${n(space.mean.objectsMargin, 3, 0)}; closer to its own truth: effector ${n(100 * space.mean.effectorFollowed, 0, 0)}%, objects ${n(100 * space.mean.objectsFollowed, 0, 0)}%`,
    );
  if (report.note) lines.push(report.note);
  for (const e of report.errors) lines.push(`failed: seed ${e.seed} view ${e.view}: ${e.error}`);
  return lines;
}
