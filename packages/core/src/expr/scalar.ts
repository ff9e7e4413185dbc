/**
 * The one scalar-semantics table: for every unary and binary op of the contract, its value on
 * one element with PyTorch's float32 semantics (NaN, +-Infinity, -0), and the rounding of a
 * value to each dtype. The cpu and template backends run their kernels from it, core's
 * reference interpreter (interpret.ts) evaluates expressions with it, and the conformance
 * suite checks every backend against it. Ops compute in float64; `roundTo` then rounds to
 * the result dtype exactly as a store into that dtype's typed array would.
 */
import type { BinaryOp, DType, UnaryOp } from '../backend/contract.js';
import {
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

/** A scalar unary function (float64 in, float64 out; rounding is the caller's, see {@link roundTo}). */
export type Scalar1 = (x: number) => number;
/** A scalar binary function (float64 in, float64 out; rounding is the caller's). */
export type Scalar2 = (a: number, b: number) => number;

/** Every unary op on float32 operands. */
export const FLOAT_UNARY: Readonly<Record<UnaryOp, Scalar1>> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign,
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  reciprocal: (x) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  tanh: Math.tanh,
  sigmoid,
  erf,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  // torch.relu is clamp_min(x, 0): x unless x < 0, so NaN and -0 pass through.
  // biome-ignore lint/complexity/useMathMinMax: Math.max(-0, 0) is +0; relu keeps -0 (and NaN)
  relu: (x) => (x < 0 ? 0 : x),
  logicalNot: (x) => (x === 0 ? 1 : 0),
  isnan: (x) => (Number.isNaN(x) ? 1 : 0),
};

/**
 * The unary ops defined on int32 and bool operands (the contract's: `neg`, `abs`, `sign`,
 * `relu`, `logicalNot`, plus the ones that are the identity on integers). Results wrap on
 * the int32 store (-INT_MIN == INT_MIN), as in PyTorch.
 */
export const INT_UNARY: Readonly<Partial<Record<UnaryOp, Scalar1>>> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign,
  relu: (x) => Math.max(x, 0),
  logicalNot: (x) => (x === 0 ? 1 : 0),
  isnan: () => 0,
  floor: (x) => x,
  ceil: (x) => x,
  round: (x) => x,
};

// Logical ops test `!= 0` explicitly: NaN is truthy in torch but falsy in JS.
/** Every binary op on float32 operands (and on int32/bool where {@link INT_BINARY} has no entry). */
export const FLOAT_BINARY: Readonly<Record<BinaryOp, Scalar2>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: powF,
  maximum,
  minimum,
  atan2: Math.atan2,
  remainder: remainderF,
  floorDivide: floorDivideF,
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  logicalAnd: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
  logicalOr: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
  logicalXor: (a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0),
};

/** int32 arithmetic that differs from float64's: wrapping products and integer pow/division. */
export const INT_BINARY: Readonly<Partial<Record<BinaryOp, Scalar2>>> = {
  mul: Math.imul,
  pow: powI,
  remainder: remainderI,
  floorDivide: floorDivideI,
};

/** Binary ops whose result is bool whatever the operands' dtype. */
export const COMPARISON_OPS: ReadonlySet<BinaryOp> = new Set<BinaryOp>([
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
  'logicalXor',
]);

/** Unary ops whose result is bool whatever the operand's dtype. */
export const BOOL_UNARY_OPS: ReadonlySet<UnaryOp> = new Set<UnaryOp>(['logicalNot', 'isnan']);

/** Unary ops that are piecewise constant: their derivative is zero almost everywhere (PyTorch's too). */
export const STEP_UNARY_OPS: ReadonlySet<UnaryOp> = new Set<UnaryOp>(['sign', 'floor', 'ceil', 'round']);

/** Unary ops with a derivative formula: every op of the table but the step and bool ones. */
export const DIFFERENTIABLE_UNARY_OPS: ReadonlySet<UnaryOp> = new Set<UnaryOp>(
  (Object.keys(FLOAT_UNARY) as UnaryOp[]).filter((op) => !STEP_UNARY_OPS.has(op) && !BOOL_UNARY_OPS.has(op)),
);

/** The scalar function of unary `op` on a `dtype` operand, or undefined where the op is not defined. */
export function unaryScalar(op: UnaryOp, dtype: DType): Scalar1 | undefined {
  return dtype === 'float32' ? FLOAT_UNARY[op] : INT_UNARY[op];
}

/** The scalar function of binary `op` on `dtype` operands (int32 division is never asked for). */
export function binaryScalar(op: BinaryOp, dtype: DType): Scalar2 {
  if (dtype !== 'float32') return INT_BINARY[op] ?? FLOAT_BINARY[op];
  return FLOAT_BINARY[op];
}

/** Result dtype of unary `op` on a `dtype` operand. */
export function unaryResultDType(op: UnaryOp, dtype: DType): DType {
  return BOOL_UNARY_OPS.has(op) ? 'bool' : dtype;
}

/** Result dtype of binary `op` on `dtype` operands. */
export function binaryResultDType(op: BinaryOp, dtype: DType): DType {
  return COMPARISON_OPS.has(op) ? 'bool' : dtype;
}

/**
 * `v` rounded to `dtype` as a store into that dtype's typed array rounds it: float32 to
 * nearest, int32 truncated toward zero and wrapped (ToInt32; NaN gives 0), bool `!= 0`
 * (NaN gives 1, as torch's cast to bool).
 */
export function roundTo(dtype: DType, v: number): number {
  if (dtype === 'float32') return Math.fround(v);
  if (dtype === 'int32') return v | 0;
  return v !== 0 ? 1 : 0;
}
