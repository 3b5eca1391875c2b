import { invalid } from './image.js';
import type { RgbFrame } from './physics.js';

/**
 * Follows the moving objects of a synthetic scene through frames, given their ground-truth masks on the
 * reference (conditioning) frames: how physics-alignment gets masks for generated frames.
 *
 * The scenes have a fixed camera, flat-colored or two-colored objects and a static background, so three
 * cues suffice, scored per pixel in log-probability units:
 * - the background where it was seen (unchanged, or darker with the same hue: a shadow); where it was not
 *   (behind the objects of the reference frames), the colours of the seen background around them;
 * - a color histogram per object and one for the background (8 levels per channel, trilinear splats so
 *   shading does not split a color across bins); an object's from the last reference and the one where it
 *   stands out most (a fast object smeared into the floor in the last is clear in another);
 * - where each object can be: its last mask shifted by its image-space velocity, with a search window
 *   that grows with its speed and while it is lost; a pixel pays for its distance from that prediction.
 *   An object found at under 30% of its reference area counts as lost: degraded predictions (a video
 *   tokenizer's) leave faint remnants of fast objects behind, and the search must go on past them.
 * Each pixel goes to the best-scoring object or to the background; one frame at a time, each frame's
 * result predicting the next. A lost object is then looked for over the whole frame by its colors alone
 * (`redetect`): a generated video may not draw a fast object for a few frames and then draw it where its
 * motion does not lead (landed), where a tracker that re-identifies objects by their looks finds it. Not
 * one that left the frame (last seen at the edge it moved to): whatever then looks like it is something else.
 */
export interface TrackerOptions {
  /** Search margin around the predicted mask, in pixels, before motion is added (default 3). */
  margin?: number;
  /** Std-dev of a background pixel's color between frames (default 8). */
  sigma?: number;
}

export interface TrackerReference {
  frame: RgbFrame;
  /** Instance ids per pixel. */
  mask: Uint8Array;
}

const LEVELS = 8;
const BINS = LEVELS * LEVELS * LEVELS;
const FLOOR = 1e-4;
const SHADOW_PENALTY = 2;
const HISTOGRAM_PENALTY = 1;
const DISTANCE_WEIGHT = 2;
const MAX_SPEED = 16;
/** Inside the predicted mask an object keeps a pixel its colors explain only loosely (edges, shading). */
const STAY_BONUS = 1;
/** Below this share of its reference area an object counts as lost (a faint remnant is not the object). */
const LOST_AREA = 0.3;
/** How much faster than its speed alone the search window grows per lost frame, in pixels. */
const LOST_GROWTH = 4;
/** A pixel joins a re-detected object where its colors are this much likelier (log units) than the background's. */
const REDETECT_RATIO = 2;
/** A region larger than this multiple of an object's reference area is not that object. */
const REDETECT_MAX_AREA = 3;
/** The ring of seen background, in pixels from the unseen area, that tells what is likely behind the objects. */
const RING = [2, 6] as const;

interface ObjectState {
  id: number;
  logColor: Float64Array;
  mask: Uint8Array;
  vx: number;
  vy: number;
  cx: number;
  cy: number;
  lost: number;
  area: number;
  /** Its last mask touched the frame's edge on the side it moves to: once lost, it has left the frame. */
  leaving: boolean;
}

export class MaskTracker {
  private readonly width: number;
  private readonly height: number;
  private readonly background: Uint8Array;
  /**
   * The brightest sight of each seen background pixel over the references, for the search of lost objects:
   * a shadow that lay over a pixel in the last reference has moved on by the frames searched, and a shadow
   * only darkens, which the background score allows for.
   */
  private readonly lit: Uint8Array;
  private readonly known: Uint8Array;
  private readonly logBackground: Float64Array;
  private readonly logNear: Float64Array;
  private readonly states: ObjectState[];
  private readonly margin: number;
  private readonly sigma2: number;

  /** `references` in time order; tracking starts from the last one's mask. */
  constructor(
    references: readonly TrackerReference[],
    objects: readonly number[],
    options: TrackerOptions = {},
  ) {
    const last = references[references.length - 1];
    if (!last) throw invalid('the tracker needs at least one reference frame with its mask');
    const { width, height } = last.frame;
    this.width = width;
    this.height = height;
    this.margin = options.margin ?? 3;
    this.sigma2 = (options.sigma ?? 8) ** 2;
    const n = width * height;
    const ids = new Set(objects);
    this.background = new Uint8Array(3 * n);
    this.lit = new Uint8Array(3 * n);
    this.known = new Uint8Array(n);
    const backgroundCounts = new Float64Array(BINS);
    // Each object's colors (a histogram) in each reference.
    const sights = references.map(() => new Map(objects.map((id) => [id, new Float64Array(BINS)])));
    for (const [r, { frame, mask }] of references.entries()) {
      if (frame.width !== width || frame.height !== height || mask.length !== n)
        throw invalid(`tracker references differ in size from ${width}x${height}`);
      const isLast = frame === last.frame;
      for (let p = 0; p < n; p++) {
        const id = mask[p]!;
        const data = frame.data;
        if (!ids.has(id)) {
          const i = 3 * p;
          const lit = this.lit;
          if (!this.known[p] || data[i]! + data[i + 1]! + data[i + 2]! > lit[i]! + lit[i + 1]! + lit[i + 2]!)
            for (let c = 0; c < 3; c++) lit[i + c] = data[i + c]!;
          for (let c = 0; c < 3; c++) this.background[i + c] = data[i + c]!;
          this.known[p] = 1;
          if (isLast) splat(backgroundCounts, data, 3 * p);
        } else splat(sights[r]!.get(id)!, data, 3 * p);
      }
    }
    this.logBackground = logHistogram(backgroundCounts);
    // Behind the objects is most likely what surrounds them; the ring starts off their edge, which a blurred
    // frame mixes with their colours.
    const unseen = distanceFrom(
      this.known.map((v) => 1 - v),
      width,
      height,
      RING[1],
    );
    const nearCounts = new Float64Array(BINS);
    for (let p = 0; p < n; p++)
      if (unseen[p]! >= RING[0] && unseen[p]! <= RING[1]) splat(nearCounts, this.background, 3 * p);
    this.logNear = logHistogram(nearCounts);
    const previous = references.length > 1 ? references[references.length - 2]!.mask : undefined;
    this.states = objects.map((id) => {
      const mask = Uint8Array.from(last.mask, (v) => (v === id ? 1 : 0));
      const [cx, cy] = centroid(mask, width);
      let vx = 0;
      let vy = 0;
      if (previous) {
        const [px, py] = centroid(
          Uint8Array.from(previous, (v) => (v === id ? 1 : 0)),
          width,
        );
        if (Number.isFinite(px) && Number.isFinite(cx)) [vx, vy] = [cx - px, cy - py];
      }
      const area = mask.reduce((a, v) => a + v, 0);
      return {
        id,
        logColor: this.colorsOf(sights.map((frame) => frame.get(id)!)),
        mask,
        vx,
        vy,
        cx,
        cy,
        lost: 0,
        area,
        leaving: false,
      };
    });
  }

  /**
   * An object's color model from its sights in the references: its colors in the last one, and in equal
   * measure its colors in the one where it stands out most from the background (the highest cross-entropy
   * of its colors under the background's histogram; both are trilinear, so near colors overlap). A tokenized
   * or generated video smears a fast object into the background over a chunk of frames, so in the last
   * reference it may be a faint streak that looks like the floor; its first frame (a chunk of its own)
   * still shows its colors. Learnt from the streak alone, the object model takes the floor where the streak
   * was for the object and cannot tell the object drawn elsewhere. With one reference, or an object as clear
   * in the last as anywhere, this is the last's alone.
   */
  private colorsOf(sights: readonly Float64Array[]): Float64Array {
    const totals = sights.map((counts) => counts.reduce((a, b) => a + b, 0));
    const last = sights.length - 1;
    let clearest = last;
    let surprise = -Infinity;
    for (let r = last; r >= 0; r--) {
      const total = totals[r]!;
      if (total === 0) continue;
      const s = sights[r]!.reduce((sum, v, bin) => sum - (v / total) * this.logBackground[bin]!, 0);
      if (s > surprise) [clearest, surprise] = [r, s];
    }
    if (clearest === last) return logHistogram(sights[last]!);
    const [c, l] = [sights[clearest]!, sights[last]!];
    const [ct, lt] = [totals[clearest]!, totals[last]! || 1];
    return logHistogram(l.map((v, i) => v / lt + c[i]! / ct));
  }

  /** The next frame's instance mask (object ids, 0 elsewhere). */
  step(frame: RgbFrame): Uint8Array {
    const { width, height, states } = this;
    if (frame.width !== width || frame.height !== height)
      throw invalid(`frame is ${frame.width}x${frame.height}, the tracker follows ${width}x${height}`);
    const n = width * height;
    const data = frame.data;
    const windows = states.map((s) => {
      const dx = Math.round(s.vx);
      const dy = Math.round(s.vy);
      const reach = Math.ceil(this.margin + 1.5 * Math.hypot(s.vx, s.vy) + LOST_GROWTH * s.lost);
      return { reach, distance: distanceFrom(shift(s.mask, width, height, dx, dy), width, height, reach) };
    });
    const out = new Uint8Array(n);
    for (let p = 0; p < n; p++) {
      let candidate = false;
      for (const w of windows) if (w.distance[p]! <= w.reach) candidate = true;
      if (!candidate) continue;
      const bin = binOf(data, 3 * p);
      let best = this.backgroundAt(data, p, bin, this.background);
      let label = 0;
      for (let k = 0; k < states.length; k++) {
        const w = windows[k]!;
        const d = w.distance[p]!;
        if (d > w.reach) continue;
        const score = states[k]!.logColor[bin]! + (d === 0 ? STAY_BONUS : -(DISTANCE_WEIGHT * d) / w.reach);
        if (score > best) {
          best = score;
          label = states[k]!.id;
        }
      }
      out[p] = label;
    }
    despeckle(out, width, height);
    for (const s of states) this.update(s, out, data);
    return out;
  }

  /**
   * The background's score of pixel `p` (color bin `bin`), which an object's must beat to take it: the
   * background's color histogram, and where the background was seen, `reference` compared pixel by pixel;
   * where it was not (behind the objects of the reference frames), its colours around the objects.
   */
  private backgroundAt(data: Uint8Array, p: number, bin: number, reference: Uint8Array): number {
    return Math.max(
      this.logBackground[bin]! - HISTOGRAM_PENALTY,
      this.known[p] ? this.backgroundScore(data, 3 * p, reference) : this.logNear[bin]! - HISTOGRAM_PENALTY,
    );
  }

  /**
   * A lost object looked for anywhere in the frame, by its colors alone: the connected region of pixels no
   * other object holds whose colors the object explains clearly better than the background does, of at least
   * the lost-area share of its reference area, the one with the most evidence (the log-likelihood ratio
   * summed over its pixels). A generated or tokenized video may draw a fast object nowhere for a few frames
   * and then somewhere the motion model does not reach; the tracker would otherwise wait for it elsewhere.
   */
  private redetect(s: ObjectState, data: Uint8Array, labels: Uint8Array): number[] | undefined {
    const { width, height } = this;
    const n = width * height;
    const ratio = new Float32Array(n);
    for (let p = 0; p < n; p++) {
      if (labels[p] !== 0) continue;
      const bin = binOf(data, 3 * p);
      ratio[p] = s.logColor[bin]! - this.backgroundAt(data, p, bin, this.lit);
    }
    const seen = new Uint8Array(n);
    let best: { pixels: number[]; evidence: number } | undefined;
    const stack: number[] = [];
    for (let start = 0; start < n; start++) {
      if (seen[start] || ratio[start]! <= REDETECT_RATIO) continue;
      const pixels: number[] = [];
      let evidence = 0;
      seen[start] = 1;
      stack.push(start);
      while (stack.length) {
        const p = stack.pop()!;
        pixels.push(p);
        evidence += ratio[p]!;
        const x = p % width;
        for (const q of [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, p - width, p + width])
          if (q >= 0 && q < n && !seen[q] && ratio[q]! > REDETECT_RATIO) {
            seen[q] = 1;
            stack.push(q);
          }
      }
      const fits = pixels.length >= LOST_AREA * s.area && pixels.length <= REDETECT_MAX_AREA * s.area;
      if (fits && (!best || evidence > best.evidence)) best = { pixels, evidence };
    }
    return best?.pixels;
  }

  private backgroundScore(data: Uint8Array, i: number, b: Uint8Array): number {
    const [r, g, bl] = [data[i]!, data[i + 1]!, data[i + 2]!];
    const [R, G, B] = [b[i]!, b[i + 1]!, b[i + 2]!];
    const still = ((r - R) ** 2 + (g - G) ** 2 + (bl - B) ** 2) / 3;
    let score = -still / (2 * this.sigma2);
    const norm = R * R + G * G + B * B;
    if (norm > 0) {
      // A shadow keeps the hue and darkens: the color is a scaled copy of the background.
      const s = (r * R + g * G + bl * B) / norm;
      if (s > 0.25 && s < 0.98) {
        const residual = ((r - s * R) ** 2 + (g - s * G) ** 2 + (bl - s * B) ** 2) / 3;
        score = Math.max(score, -residual / (2 * this.sigma2) - SHADOW_PENALTY);
      }
    }
    return score;
  }

  private update(s: ObjectState, labels: Uint8Array, data: Uint8Array): void {
    let mask: Uint8Array = Uint8Array.from(labels, (v) => (v === s.id ? 1 : 0));
    let area = mask.reduce((a, v) => a + v, 0);
    if (area < LOST_AREA * s.area && !s.leaving) {
      const found = this.redetect(s, data, labels);
      if (found) {
        for (let p = 0; p < labels.length; p++) if (labels[p] === s.id) labels[p] = 0;
        mask = new Uint8Array(labels.length);
        for (const p of found) {
          mask[p] = 1;
          labels[p] = s.id;
        }
        area = found.length;
        // Where it was lost, its motion since is unknown.
        s.lost = 1;
        s.vx = 0;
        s.vy = 0;
      }
    }
    const [cx, cy] = centroid(mask, this.width);
    if (!Number.isFinite(cx) || area < LOST_AREA * s.area) {
      // Lost (occluded, off screen, or not drawn): keep moving the last mask, search wider.
      s.mask = shift(s.mask, this.width, this.height, Math.round(s.vx), Math.round(s.vy));
      s.lost++;
      return;
    }
    if (s.lost === 0) {
      const clamp = (v: number) => Math.max(-MAX_SPEED, Math.min(MAX_SPEED, v));
      s.vx = clamp(0.5 * s.vx + 0.5 * (cx - s.cx));
      s.vy = clamp(0.5 * s.vy + 0.5 * (cy - s.cy));
    }
    s.mask = mask;
    s.cx = cx;
    s.cy = cy;
    s.lost = 0;
    s.leaving = leaves(mask, this.width, this.height, s.vx, s.vy);
  }
}

/** The functional twin: masks for every frame of `frames`, tracked from `references`. */
export function trackObjects(
  references: readonly TrackerReference[],
  objects: readonly number[],
  frames: readonly RgbFrame[],
  options: TrackerOptions = {},
): Uint8Array[] {
  const tracker = new MaskTracker(references, objects, options);
  return frames.map((f) => tracker.step(f));
}

/** Whether a mask touches the frame's edge on a side its velocity points to. */
function leaves(mask: Uint8Array, width: number, height: number, vx: number, vy: number): boolean {
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    const x = p % width;
    const y = (p - x) / width;
    if (
      (x === 0 && vx < 0) ||
      (x === width - 1 && vx > 0) ||
      (y === 0 && vy < 0) ||
      (y === height - 1 && vy > 0)
    )
      return true;
  }
  return false;
}

function binOf(data: Uint8Array, i: number): number {
  return ((data[i]! >> 5) << 6) | ((data[i + 1]! >> 5) << 3) | (data[i + 2]! >> 5);
}

/** Adds one color to a histogram, spread over the 8 nearest bins by trilinear weights. */
function splat(counts: Float64Array, data: Uint8Array, i: number): void {
  const lo: number[] = [];
  const frac: number[] = [];
  for (let c = 0; c < 3; c++) {
    const x = Math.min(LEVELS - 1, Math.max(0, data[i + c]! / 32 - 0.5));
    const f = Math.min(LEVELS - 2, Math.floor(x));
    lo.push(f);
    frac.push(x - f);
  }
  for (let corner = 0; corner < 8; corner++) {
    let weight = 1;
    let bin = 0;
    for (let c = 0; c < 3; c++) {
      const up = (corner >> c) & 1;
      weight *= up ? frac[c]! : 1 - frac[c]!;
      bin = bin * LEVELS + lo[c]! + up;
    }
    counts[bin]! += weight;
  }
}

function logHistogram(counts: Float64Array): Float64Array {
  const total = counts.reduce((a, b) => a + b, 0) || 1;
  return counts.map((c) => Math.log(c / total + FLOOR));
}

function centroid(mask: Uint8Array, width: number): [number, number] {
  let sx = 0;
  let sy = 0;
  let count = 0;
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    sx += p % width;
    sy += Math.floor(p / width);
    count++;
  }
  return count ? [sx / count, sy / count] : [Number.NaN, Number.NaN];
}

export function shift(mask: Uint8Array, width: number, height: number, dx: number, dy: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= height) continue;
    for (let x = 0; x < width; x++) {
      const sx = x - dx;
      if (sx >= 0 && sx < width) out[y * width + x] = mask[sy * width + sx]!;
    }
  }
  return out;
}

/** City-block distance to the nearest set pixel, capped at cap + 1 (two passes). */
function distanceFrom(mask: Uint8Array, width: number, height: number, cap: number): Uint16Array {
  const far = cap + 1;
  const d = new Uint16Array(mask.length);
  for (let p = 0; p < mask.length; p++) d[p] = mask[p] ? 0 : far;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (x > 0) d[p] = Math.min(d[p]!, d[p - 1]! + 1);
      if (y > 0) d[p] = Math.min(d[p]!, d[p - width]! + 1);
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      const p = y * width + x;
      if (x < width - 1) d[p] = Math.min(d[p]!, d[p + 1]! + 1);
      if (y < height - 1) d[p] = Math.min(d[p]!, d[p + width]! + 1);
    }
  }
  return d;
}

/** Drops object pixels with fewer than two 4-neighbors of the same object (isolated color matches). */
function despeckle(labels: Uint8Array, width: number, height: number): void {
  const copy = labels.slice();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const id = copy[p]!;
      if (!id) continue;
      let same = 0;
      if (x > 0 && copy[p - 1] === id) same++;
      if (x < width - 1 && copy[p + 1] === id) same++;
      if (y > 0 && copy[p - width] === id) same++;
      if (y < height - 1 && copy[p + width] === id) same++;
      if (same < 2) labels[p] = 0;
    }
  }
}
