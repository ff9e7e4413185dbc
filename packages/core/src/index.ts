/**
 * @layers/core: tensors, autograd and ops written against the Backend contract.
 * Layers (nn), losses and optimizers build on these exports.
 *
 * @packageDocumentation
 */

export { type AutocastOptions, autocast, autocastDtype } from './amp/autocast.js';
export { GradScaler, type GradScalerOptions, type GradScalerState } from './amp/grad-scaler.js';
export type { BackwardOptions, GradOptions } from './autograd/grad.js';
export { enableGrad, isGradEnabled, noGrad } from './autograd/grad-mode.js';
export { type GradcheckOptions, type GradcheckResult, gradcheck } from './autograd/gradcheck.js';
export type { GradgradcheckOptions } from './autograd/gradgradcheck.js';
export { gradgradcheck } from './autograd/gradgradcheck.js';
/** torch.autograd: `autograd.grad` (gradients without touching `.grad`), `gradcheck`, `gradgradcheck`. */
export * as autograd from './autograd/namespace.js';
export type {
  Backend,
  BackendBuffer,
  BinaryOp,
  Conv2dParams,
  DeviceProfileSession,
  DeviceProfiling,
  DType,
  ExpressionParams,
  FusedKernels,
  Kernels,
  LayerNormParams,
  PhiloxState,
  Pool2dParams,
  RandomKind,
  ReduceOp,
  RnnCellParams,
  TypedArray,
  UnaryOp,
  View,
} from './backend/contract.js';
export { BINARY_OPS, UNARY_OPS } from './backend/contract.js';
export { pathLog } from './backend/pathlog.js';
export { mulhi32, philoxBlock, philoxFill, wordToUniform } from './backend/philox.js';
export { getBackend, hasBackend, setBackend } from './backend/registry.js';
export * as expr from './expr/index.js';
export type { ExprNode, ExprProgram } from './expr/ir.js';
export * as F from './nn/functional/index.js';
export * as nn from './nn/index.js';
export {
  arange,
  type CreateOptions,
  eye,
  fromTypedArray,
  full,
  fullLike,
  linspace,
  manualSeed,
  type NestedArray,
  ones,
  onesLike,
  rand,
  randint,
  randLike,
  randn,
  randnLike,
  type TensorData,
  type TensorOptions,
  tensor,
  zeros,
  zerosLike,
} from './ops/creation.js';
export { einsum } from './ops/einsum.js';
export {
  abs,
  add,
  atan2,
  ceil,
  clamp,
  cos,
  div,
  eq,
  erf,
  exp,
  expm1,
  floor,
  floorDivide,
  ge,
  gt,
  isnan,
  le,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  logicalOr,
  logicalXor,
  lt,
  maskedFill,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  pow,
  reciprocal,
  relu,
  remainder,
  round,
  rsqrt,
  sigmoid,
  sign,
  sin,
  sqrt,
  square,
  sub,
  tan,
  tanh,
  where,
} from './ops/elementwise.js';
export {
  cat,
  chunk,
  gather,
  indexSelect,
  type PadMode,
  pad,
  scatterAdd,
  split,
  stack,
} from './ops/indexing.js';
export { bmm, matmul, mm } from './ops/linalg.js';
export * as linalg from './ops/linalg-namespace.js';
export {
  cdist,
  cosineSimilarity,
  type MatrixNormOptions,
  matrixNorm,
  norm,
  pairwiseDistance,
  type VectorNormOptions,
  vectorNorm,
} from './ops/norms.js';
export {
  type AddmmOptions,
  addcdiv,
  addcmul,
  addmm,
  baddbmm,
  clampMax,
  clampMin,
  dot,
  hypot,
  isfinite,
  isinf,
  lerp,
  logaddexp,
  type NanToNumOptions,
  nanToNum,
  outer,
  xlogy,
} from './ops/pointwise.js';
export {
  bernoulli,
  type MultinomialOptions,
  multinomial,
  type NormalOptions,
  normal,
  randperm,
} from './ops/random.js';
export {
  type DiagonalOptions,
  diag,
  diagonal,
  flip,
  meshgrid,
  movedim,
  repeat,
  repeatInterleave,
  roll,
  swapaxes,
  tensorSplit,
  tile,
  trace,
  tril,
  triu,
  unbind,
} from './ops/rearrange.js';
export {
  all,
  any,
  argmax,
  argmin,
  logsumexp,
  max,
  mean,
  min,
  prod,
  type ReduceOptions,
  std,
  sum,
  sumTo,
  type VarOptions,
  variance,
  variance as var,
} from './ops/reduce.js';
export { type CumExtreme, cummax, cummin, cumprod, cumsum, logcumsumexp } from './ops/scan.js';
export {
  indexAdd,
  indexCopy,
  indexFill,
  type ScatterOptions,
  type ScatterReduce,
  type ScatterReduceOptions,
  scatter,
  scatterReduce,
} from './ops/scatter.js';
export {
  mode,
  type UniqueOptions,
  type UniqueResult,
  unique,
  uniqueConsecutive,
} from './ops/selection.js';
export {
  argsort,
  bucketize,
  kthvalue,
  median,
  msort,
  type SearchOptions,
  type SelectOptions,
  type SortOptions,
  searchsorted,
  sort,
  type TopkOptions,
  topk,
  type ValuesIndices,
} from './ops/sort.js';
export {
  type IndexPutOptions,
  indexPut,
  maskedScatter,
  maskedSelect,
  type NonzeroOptions,
  nonzero,
  take,
  takeAlongDim,
} from './ops/take.js';
export {
  cast,
  clone,
  contiguous,
  detach,
  expand,
  flatten,
  narrow,
  permute,
  reshape,
  select,
  slice,
  squeeze,
  t,
  toBackend,
  toBackendAsync,
  transpose,
  unflatten,
  unsqueeze,
  view,
} from './ops/view.js';
export * as optim from './optim/index.js';
export * from './profiler/index.js';
export { bytesPerElement, isFloat, promoteTypes } from './tensor/dtype.js';
export {
  decodeHalf,
  encodeHalf,
  fromBFloat16Bits,
  fromFloat16Bits,
  halfConverter,
  isHalf,
  toBFloat16Bits,
  toFloat16Bits,
} from './tensor/half.js';
export { keep, tidy } from './tensor/scope.js';
export { broadcastShapes, contiguousStrides, numel } from './tensor/shape.js';
export { type MemoryInfo, type MemoryStats, memory } from './tensor/storage.js';
export { type KeepDim, type Other, Tensor } from './tensor/tensor.js';
export { VERSION } from './version.js';

// Adds the second-round Tensor methods (cumsum, flip, ...) to the class.
import './tensor/methods-extra.js';
// Adds the scatter / advanced-indexing Tensor methods (scatter, indexAdd, take, ...).
import './tensor/methods-index.js';
