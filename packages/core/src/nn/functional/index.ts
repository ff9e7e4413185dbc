/**
 * F: the functional twin of every layer. Modules own parameters and call these.
 * @packageDocumentation
 */

export { pad } from '../../ops/indexing.js';
export * from './activation.js';
export * from './attention.js';
export * from './conv.js';
export * from './ctc.js';
export * from './distance.js';
export * from './dropout.js';
export * from './embedding.js';
export * from './embedding-bag.js';
export * from './fold.js';
export * from './interpolate.js';
export * from './linear.js';
export * from './loss.js';
export * from './loss-margin.js';
export * from './loss-prob.js';
export * from './misc.js';
export * from './norm.js';
export * from './norm-instance.js';
export * from './pool.js';
export * from './pool-lp-unpool.js';
// Named, not `*`: rnn.ts also exports the helpers rnn-cell.ts and rnn-seq.ts share (GATES,
// checkFloat, runDirection), which are not part of F.
export {
  gru,
  gruCell,
  lstm,
  lstmCell,
  type RnnLayerWeights,
  type RnnMode,
  type RnnOptions,
  rnn,
  rnnReluCell,
  rnnTanhCell,
} from './rnn.js';
export * from './shuffle.js';
