export type { Embedder, EmbedFrame } from './embedder.js';
export { cosine, normalize, ThumbprintEmbedder } from './thumbprint.js';
