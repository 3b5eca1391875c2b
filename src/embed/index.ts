export type { Embedder, EmbedFrame } from './embedder.js';
export { spreadPicks } from './frame-picks.js';
export {
  cosine,
  normalize,
  ThumbprintEmbedder,
  type ThumbprintFeatures,
  thumbprintFeatures,
} from './thumbprint.js';
