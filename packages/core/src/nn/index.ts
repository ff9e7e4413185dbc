/**
 * nn: modules, containers, initialisers and state-dict I/O.
 * @packageDocumentation
 */
export * from './containers.js';
export * as functional from './functional/index.js';
export * as init from './init.js';
export {
  type BufferOptions,
  functionalCall,
  type LoadResult,
  Module,
  Parameter,
  type StateDict,
} from './module.js';
export * from './modules/activation.js';
export * from './modules/activation-more.js';
export * from './modules/attention.js';
export * from './modules/conv.js';
export * from './modules/distance.js';
export * from './modules/dropout.js';
export * from './modules/embedding-bag.js';
export * from './modules/flatten.js';
export * from './modules/fold.js';
export * from './modules/linear.js';
export * from './modules/loss.js';
export * from './modules/loss-margin.js';
export * from './modules/norm.js';
export * from './modules/norm-instance.js';
export * from './modules/padding.js';
export * from './modules/pool.js';
export * from './modules/pool-more.js';
export * from './modules/rnn.js';
export * from './modules/shuffle.js';
export * from './modules/sparse.js';
export * from './modules/transformer.js';
export * from './modules/upsampling.js';
export * from './state/safetensors.js';
export * from './state/torch-checkpoint.js';
export {
  checkOptionalTensor,
  checkOptions,
  checkTensor,
  type ForwardSignature,
  forwardSignature,
  type InputKind,
} from './validate.js';
