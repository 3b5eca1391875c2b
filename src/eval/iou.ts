import { invalid } from './image.js';
import { type Metric, mean } from './metric.js';

/**
 * A label mask: one value per pixel, 0 for background, an object id otherwise. A binary mask is the same
 * with any non-zero value meaning "object".
 */
export interface Mask {
  width: number;
  height: number;
  data: Uint8Array | Uint16Array | Uint32Array | Int32Array;
}

export interface ObjectOverlap {
  id: number;
  intersection: number;
  union: number;
  /** intersection / union; 1 when the object is absent from both masks (nothing to disagree on). */
  iou: number;
}

function checkMasks(pred: Mask, target: Mask): void {
  for (const [name, m] of [
    ['prediction', pred],
    ['target', target],
  ] as const) {
    if (!(m.width > 0 && m.height > 0)) throw invalid(`the ${name} mask is empty (${m.width}x${m.height})`);
    if (m.data.length !== m.width * m.height) {
      throw invalid(
        `the ${name} mask holds ${m.data.length} values, but ${m.width}x${m.height} needs ${m.width * m.height}`,
      );
    }
  }
  if (pred.width !== target.width || pred.height !== target.height) {
    throw invalid(
      `masks differ in size: prediction ${pred.width}x${pred.height}, target ${target.width}x${target.height}`,
      'resize masks with nearest-neighbour sampling before comparing',
    );
  }
}

/** IoU of the foreground (non-zero) of two masks. Two empty masks agree perfectly: 1. */
export function binaryIou(pred: Mask, target: Mask): number {
  checkMasks(pred, target);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < pred.data.length; i++) {
    const a = pred.data[i] !== 0;
    const b = target.data[i] !== 0;
    if (a && b) inter++;
    if (a || b) union++;
  }
  return union === 0 ? 1 : inter / union;
}

/** Per-object intersection and union of two label masks, for the ids in either (or the ids given). */
export function objectOverlaps(pred: Mask, target: Mask, ids?: readonly number[]): ObjectOverlap[] {
  checkMasks(pred, target);
  const inter = new Map<number, number>();
  const predArea = new Map<number, number>();
  const targetArea = new Map<number, number>();
  const bump = (m: Map<number, number>, k: number): void => {
    m.set(k, (m.get(k) ?? 0) + 1);
  };
  for (let i = 0; i < pred.data.length; i++) {
    const a = pred.data[i]!;
    const b = target.data[i]!;
    if (a !== 0) bump(predArea, a);
    if (b !== 0) bump(targetArea, b);
    if (a !== 0 && a === b) bump(inter, a);
  }
  const wanted = ids ?? [...new Set([...predArea.keys(), ...targetArea.keys()])].sort((x, y) => x - y);
  return wanted.map((id) => {
    const intersection = inter.get(id) ?? 0;
    const union = (predArea.get(id) ?? 0) + (targetArea.get(id) ?? 0) - intersection;
    return { id, intersection, union, iou: union === 0 ? 1 : intersection / union };
  });
}

/** Mean IoU over the objects of the target (or the ids given). */
export function meanIou(pred: Mask, target: Mask, ids?: readonly number[]): number {
  return mean(objectOverlaps(pred, target, ids).map((o) => o.iou));
}

export interface IouResult {
  /** Mean over objects of each object's IoU pooled over all frames (sum of intersections / sum of unions). */
  mIoU: number;
  /** Mean over frames of that frame's mean IoU. */
  meanPerFrame: number;
  perObject: ObjectOverlap[];
  perFrame: { frame: number; mIoU: number; objects: ObjectOverlap[] }[];
}

/**
 * IoU over the frames of a video: per object, per frame, and overall. `ids` fixes the objects scored
 * (e.g. those in the first frame's ground truth); otherwise every id seen in any frame counts.
 */
export class IoU implements Metric<Mask, IouResult> {
  readonly name = 'iou';
  private frames: { frame: number; mIoU: number; objects: ObjectOverlap[] }[] = [];
  constructor(private readonly ids?: readonly number[]) {}

  update(pred: Mask, target: Mask): void {
    const objects = objectOverlaps(pred, target, this.ids);
    // A frame where the object is in neither mask says nothing about it: leave it out of that frame's mean.
    const present = objects.filter((o) => o.union > 0);
    this.frames.push({
      frame: this.frames.length,
      mIoU: present.length ? mean(present.map((o) => o.iou)) : 1,
      objects,
    });
  }

  compute(): IouResult {
    const pooled = new Map<number, { intersection: number; union: number }>();
    for (const f of this.frames) {
      for (const o of f.objects) {
        const p = pooled.get(o.id) ?? { intersection: 0, union: 0 };
        p.intersection += o.intersection;
        p.union += o.union;
        pooled.set(o.id, p);
      }
    }
    const perObject = [...pooled.entries()]
      .sort(([a], [b]) => a - b)
      .map(([id, p]) => ({ id, ...p, iou: p.union === 0 ? 1 : p.intersection / p.union }));
    return {
      mIoU: mean(perObject.map((o) => o.iou)),
      meanPerFrame: mean(this.frames.map((f) => f.mIoU)),
      perObject,
      perFrame: this.frames.map((f) => ({ ...f, objects: [...f.objects] })),
    };
  }

  reset(): void {
    this.frames = [];
  }
}
