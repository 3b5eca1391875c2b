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
