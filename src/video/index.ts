export { type DecodeOptions, type DecodePlan, decodeFrames, planDecode } from './decode.js';
export {
  type CutOptions,
  cutClip,
  type EncodeOptions,
  type EncodeResult,
  encodeClip,
  type ThumbnailOptions,
  thumbnail,
} from './encode.js';
export { checkInputFile } from './input-errors.js';
export { encodePng } from './png.js';
export { type ProbeOptions, probe } from './probe.js';
export {
  makeTestAudio,
  makeTestVideo,
  type ShotBoundary,
  type TestVideo,
  type TestVideoOptions,
  type TransitionType,
} from './test-video.js';
export { ffmpegCodecs, ffmpegPaths, ffmpegVersion, liveChildCount, setFfmpegPaths } from './tools.js';
