/**
 * What a vector store keeps per clip: its embedding and the metadata queries filter on. Metadata are
 * columns (not a JSON blob) so that filters run inside the store: SQL in PostgreSQL, predicates in LanceDB.
 */
export interface IndexedClip {
  id: string;
  /** Unit-length embedding; stores rank by cosine similarity. */
  vector: Float32Array;
  dataset: string;
  source: string;
  /** Span in the source video, seconds. */
  spanStart: number;
  spanEnd: number;
  duration: number;
  width: number;
  height: number;
  fps: number;
  caption: string | null;
  /** Thumbnail path, relative to the dataset folder. */
  thumbnail: string | null;
  /** Curator scores; null where the curator did not compute one. */
  motion: number | null;
  sharpness: number | null;
  brightness: number | null;
  aesthetic: number | null;
}

/** Metadata columns and their kinds, in store order; filters may name any of them. */
export const CLIP_COLUMNS = {
  id: 'text',
  dataset: 'text',
  source: 'text',
  span_start: 'number',
  span_end: 'number',
  duration: 'number',
  width: 'number',
  height: 'number',
  fps: 'number',
  caption: 'text',
  thumbnail: 'text',
  motion: 'number',
  sharpness: 'number',
  brightness: 'number',
  aesthetic: 'number',
} as const satisfies Record<string, 'text' | 'number'>;

export type ClipColumn = keyof typeof CLIP_COLUMNS;

/** Column name -> IndexedClip field. */
export const COLUMN_FIELD: Record<ClipColumn, keyof IndexedClip> = {
  id: 'id',
  dataset: 'dataset',
  source: 'source',
  span_start: 'spanStart',
  span_end: 'spanEnd',
  duration: 'duration',
  width: 'width',
  height: 'height',
  fps: 'fps',
  caption: 'caption',
  thumbnail: 'thumbnail',
  motion: 'motion',
  sharpness: 'sharpness',
  brightness: 'brightness',
  aesthetic: 'aesthetic',
};

export const CLIP_COLUMN_NAMES = Object.keys(CLIP_COLUMNS) as ClipColumn[];

/** A batch with each id once, the later row of an id winning, as if the rows were written one by one. */
export function lastWriteWins(clips: readonly IndexedClip[]): IndexedClip[] {
  return [...new Map(clips.map((c) => [c.id, c])).values()];
}
