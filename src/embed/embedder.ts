/**
 * Embedders turn a clip's sampled frames into one vector. Shared by the curator (dedup) and search.
 */
export interface EmbedFrame {
  width: number;
  height: number;
  /** Interleaved RGB, 8 bits. */
  data: Uint8Array;
}

export interface Embedder {
  readonly name: string;
  readonly dimensions: number;
  /** Frames the embedder wants per clip, spread evenly over it. */
  readonly framesPerClip: number;
  /** The width frames should be decoded at. */
  readonly frameWidth: number;
  embed(frames: readonly EmbedFrame[]): Promise<Float32Array> | Float32Array;
}
