export { type ManifestTensor, type ModelManifest, manifestSchema, parseManifest } from './manifest.js';
export {
  type InstalledModel,
  type ModelSource,
  ModelStore,
  type ModelStoreOptions,
  SHIPPED_MODELS,
  sha256,
  verifyFiles,
} from './model-store.js';
export {
  createTensor,
  type ExecutionProvider,
  type ModelSession,
  openSession,
  runtimeInfo,
  type SessionOptions,
  type Tensor,
  type TensorSpec,
  type TensorType,
} from './session.js';
