export {
  fromTensor,
  type Latent,
  type RoundTrip,
  type TokenizerFrame,
  toTensor,
  VideoTokenizer,
} from './tokenizer.js';
