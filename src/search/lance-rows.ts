import { createRequire } from 'node:module';
import type * as ArrowModule from 'apache-arrow';
import { CLIP_COLUMN_NAMES, CLIP_COLUMNS, COLUMN_FIELD, type IndexedClip } from './indexed-clip.js';

// LanceDB checks schemas against its own (CommonJS) copy of apache-arrow; an ESM import would give
// other classes and "schemas must be equivalent" errors, so both are loaded through require.
const require = createRequire(import.meta.url);
export const arrow = require('apache-arrow') as typeof ArrowModule;

export function clipSchema(dimensions: number): ArrowModule.Schema {
  const { Field, Float32, Float64, FixedSizeList, Schema, Utf8 } = arrow;
  return new Schema([
    ...CLIP_COLUMN_NAMES.map(
      (c) => new Field(c, CLIP_COLUMNS[c] === 'text' ? new Utf8() : new Float64(), c !== 'id'),
    ),
    new Field('vector', new FixedSizeList(dimensions, new Field('item', new Float32(), true)), false),
  ]);
}

/** Clips as one Arrow table, built column by column (vectors copied once into one flat buffer). */
export function clipsToArrow(clips: readonly IndexedClip[], dimensions: number): ArrowModule.Table {
  const schema = clipSchema(dimensions);
  const flat = new Float32Array(clips.length * dimensions);
  for (const [i, c] of clips.entries()) flat.set(c.vector, i * dimensions);
  const children = CLIP_COLUMN_NAMES.map((c) => {
    const values = clips.map((clip) => clip[COLUMN_FIELD[c]] as string | number | null);
    return arrow.vectorFromArray(values, CLIP_COLUMNS[c] === 'text' ? new arrow.Utf8() : new arrow.Float64())
      .data[0]!;
  });
  const vectorType = schema.fields[schema.fields.length - 1]!.type;
  const floats = arrow.makeData({ type: new arrow.Float32(), length: flat.length, data: flat });
  children.push(arrow.makeData({ type: vectorType, length: clips.length, nullCount: 0, child: floats }));
  const struct = arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length: clips.length,
    nullCount: 0,
    children,
  });
  return new arrow.Table([new arrow.RecordBatch(schema, struct)]);
}

/** A row LanceDB returned, back to a clip (vector only when selected). */
export function rowToClip(row: Record<string, unknown>): IndexedClip {
  const clip: Record<string, unknown> = {};
  for (const c of CLIP_COLUMN_NAMES) {
    const v = row[c];
    clip[COLUMN_FIELD[c]] = v === undefined ? null : v;
  }
  const vector = row.vector as { toArray?: () => Float32Array } | ArrayLike<number> | undefined;
  clip.vector =
    vector === undefined
      ? new Float32Array(0)
      : 'toArray' in vector && vector.toArray
        ? Float32Array.from(vector.toArray())
        : Float32Array.from(vector as ArrayLike<number>);
  return clip as unknown as IndexedClip;
}
