export type { Embedder, EmbedFrame } from './embedder.js';
export { spreadPicks } from './frame-picks.js';
export { CLIP_IMAGE_INPUT, type ImageInputSpec, imageBatch } from './image-input.js';
export { OnnxEmbedder, type OnnxEmbedderOptions } from './onnx-embedder.js';
export {
  cosine,
  normalize,
  ThumbprintEmbedder,
  type ThumbprintFeatures,
  thumbprintFeatures,
} from './thumbprint.js';
