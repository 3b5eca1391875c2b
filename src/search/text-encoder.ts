/**
 * The slot for a joint text-video embedding model (a CLIP-like encoder whose text vectors live in the
 * same space as its clip vectors). With one whose `embedder` matches the index, `--text` queries rank by
 * vector similarity; without one, `--text` is full-text search over captions.
 */
export interface TextEncoder {
  readonly name: string;
  /** The clip embedder this encoder's vectors are comparable with (the index's `embedder`). */
  readonly embedder: string;
  readonly dimensions: number;
  encode(text: string): Promise<Float32Array>;
}
