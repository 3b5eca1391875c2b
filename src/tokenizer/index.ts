export { float16ToFloat32, float32ToFloat16, fromFloat16, toFloat16 } from './float16.js';
export { type Fsq, fsqOf, indicesToValues, valuesToIndices } from './fsq.js';
export {
  chunkLayout,
  openTokenFile,
  sidecarOf,
  TOKEN_FILE_FORMAT,
  TOKEN_FILE_VERSION,
  type TokenFileHeader,
  TokenFileWriter,
} from './token-file.js';
export {
  type EncodedChunk,
  fromTensor,
  type Latent,
  type RoundTrip,
  type TokenizerFrame,
  type TokenizerOptions,
  type Tokens,
  toTensor,
  VideoTokenizer,
} from './tokenizer.js';
