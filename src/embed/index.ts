export type { Embedder, EmbedFrame } from './embedder.js';
export {
  cosine,
  normalize,
  ThumbprintEmbedder,
  type ThumbprintFeatures,
  thumbprintFeatures,
} from './thumbprint.js';
