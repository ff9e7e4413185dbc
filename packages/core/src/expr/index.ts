/**
 * The scalar expression IR (`expr` in core's exports): program types, the builder, the one
 * scalar-semantics table every backend uses, the reference interpreter and the cache key.
 */

export { activationProgram } from '../nn/functional/act-programs.js';
export { type BuildOptions, ExprBuilder } from './build.js';
export { applyEpilogue, biasActivationProgram, type EpilogueActivation } from './epilogue.js';
export { runFallback } from './fallback.js';
export { gradProgram } from './grad.js';
export {
  evaluateNodes,
  type InterpretArgs,
  interpret,
  nodeValue,
  REDUCE_IDENTITY,
  reduceStep,
} from './interpret.js';
export {
  type BinaryNode,
  type CastNode,
  type ConstNode,
  EXPR_REDUCE_OPS,
  type ExprNode,
  type ExprProgram,
  type ExprReduce,
  type ExprReduceOp,
  type LoadNode,
  type ParamNode,
  type UnaryNode,
  type WhereNode,
} from './ir.js';
export { programKey } from './key.js';
export { type Coalesced, coalesce } from './layout.js';
export { type ExprOpOptions, exprOp, hasExpressionKernel } from './op.js';
export { type RunExpressionOptions, runExpression } from './run.js';
export {
  BOOL_UNARY_OPS,
  binaryResultDType,
  binaryScalar,
  COMPARISON_OPS,
  FLOAT_BINARY,
  FLOAT_UNARY,
  INT_BINARY,
  INT_UNARY,
  roundTo,
  type Scalar1,
  type Scalar2,
  unaryResultDType,
  unaryScalar,
} from './scalar.js';
export {
  erf,
  floorDivideF,
  floorDivideI,
  maximum,
  minimum,
  powF,
  powI,
  remainderF,
  remainderI,
  roundHalfEven,
  sigmoid,
  sign,
} from './scalar-math.js';
