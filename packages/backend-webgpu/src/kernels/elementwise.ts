import type { BinaryOp, DType, UnaryOp } from '@layers/core';
import { ENTRY_BUILTINS, FLAT_WG, fromWord, NAN_HELPERS, toWord, WG } from './common.js';
import { MATHLIB } from './mathlib.js';

/**
 * WGSL for the elementwise kernels. Every binding is `array<u32>` and values are bitcast per
 * dtype: one shader shape serves all dtypes and bool (stored as one u32 per element).
 */

const ERF = `
fn erfF(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  let ax = abs(x);
  if (ax < 0.5) {
    // Maclaurin series: accurate where 1 - erfc would cancel.
    let x2 = x * x;
    return 1.1283791671 * x * (1.0 + x2 * (-0.3333333333 + x2 * (0.1 + x2 * (-0.0238095238 +
      x2 * (0.0046296296 + x2 * -0.0007575758)))));
  }
  // Numerical Recipes' Chebyshev fit of erfc, fractional error < 1.2e-7.
  let t = 1.0 / (1.0 + 0.5 * ax);
  let y = t * expF(-ax * ax - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277)))))))));
  return select(-(1.0 - y), 1.0 - y, x >= 0.0);
}`;

/** WGSL helpers of the float32 ops (NaN/Inf/-0 rules of PyTorch), shared with the expression kernel. */
export const FLOAT_MATH = `${NAN_HELPERS}
${MATHLIB}
${ERF}
// Non-zero by bits: SwiftShader's float != is not IEEE for NaN.
fn nzF(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) != 0u; }
fn expm1F(x: f32) -> f32 {
  if (isNan(x) || !nzF(x)) { return x; } // NaN and +-0 return themselves
  // Kahan's trick: exact-ish for small |x| without a dedicated expm1.
  if (abs(x) < 1e-5) { return x + 0.5 * x * x; }
  let u = expF(x);
  if (u == 1.0) { return x; }
  let um1 = u - 1.0;
  if (um1 == -1.0) { return -1.0; }
  if (abs(x) > 0.5) { return um1; }
  return um1 * x / logF(u);
}
fn log1pF(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  if (abs(x) > 0.5) { return logF(u); }
  return logF(u) * x / (u - 1.0);
}
// torch.sign gives 0 for NaN ((0 < x) - (x < 0)), like the CPU backend. Written as that
// difference: lavapipe (Mesa 25) compiled the nested select(0.0, -1.0, ...) form to -0.0 for
// every zero.
fn signF(x: f32) -> f32 {
  return f32(x > 0.0) - f32(x < 0.0);
}
// x^y for x > 0. exp2(y * log2(x)) loses ~|y log2 x| ULP; square-and-multiply is exact-ish for
// small integer exponents, the common case (x^2, x^3, x^-1).
fn powPos(x: f32, y: f32) -> f32 {
  if (floor(y) == y && abs(y) <= 64.0) {
    var e = u32(abs(y)); var b = x; var r = 1.0;
    loop {
      if (e == 0u) { break; }
      if ((e & 1u) == 1u) { r = r * b; }
      b = b * b; e = e >> 1u;
    }
    return select(r, 1.0 / r, y < 0.0);
  }
  // exp(y log x) with y log x carried as hi + lo: log x corrected by the residual of
  // x exp(-l) (log x = l + log1p(x e^-l - 1)), and the product's rounding error from fma.
  // One rounding of y * log x alone costs |y log x| / 2 ulps of the result (8 at x^y = 3e5).
  let l = logF(x);
  var r = 0.0;
  if (abs(l) < 80.0) { r = x * expF(-l) - 1.0; }
  let hi = y * l;
  let lo = fma(y, l, -hi) + y * r;
  let e = expF(hi);
  if (!isFiniteF(e) || e == 0.0) { return e; }
  return fma(e, lo, e);
}
fn isInteger(y: f32) -> bool { return floor(y) == y; }
fn powF(x: f32, y: f32) -> f32 {
  // C pow semantics (which torch follows): pow(1, y) = 1, pow(x, 0) = 1, pow(-1, ±inf) = 1.
  // By bits: a driver that assumes no NaN may fold these compares for NaN operands.
  if (bitcast<u32>(x) == 0x3f800000u || (bitcast<u32>(y) & 0x7fffffffu) == 0u) { return 1.0; }
  if (isNan(x) || isNan(y)) { return nanF(); }
  if (x == -1.0 && abs(y) == infF()) { return 1.0; }
  if (x == 0.0) {
    if (y < 0.0) {
      let oddNeg = isInteger(y) && abs(y) < 16777216.0 && (i32(y) & 1) == 1;
      return select(infF(), select(infF(), -infF(), bitcast<u32>(x) == 0x80000000u), oddNeg);
    }
    let odd = isInteger(y) && abs(y) < 16777216.0 && (i32(y) & 1) == 1;
    return select(0.0, x, odd);
  }
  if (x < 0.0) {
    // (-inf)^y is +inf or +0 unless y is an odd integer: no NaN for non-integer y there.
    if (x == -infF() && !isInteger(y)) { return select(0.0, infF(), y > 0.0); }
    if (!isInteger(y)) { return nanF(); }
    let r = powPos(-x, y);
    let odd = abs(y) < 16777216.0 && (i32(y) & 1) == 1;
    return select(r, -r, odd);
  }
  return powPos(x, y);
}
fn maxF(a: f32, b: f32) -> f32 {
  if (isNan(a)) { return a; }
  if (isNan(b)) { return b; }
  return max(a, b);
}
fn minF(a: f32, b: f32) -> f32 {
  if (isNan(a)) { return a; }
  if (isNan(b)) { return b; }
  return min(a, b);
}
// C fmod: the sign of a; a finite a over an infinite b is a itself (a - b * trunc(a / b) is NaN).
fn fmodF(a: f32, b: f32) -> f32 {
  if (isNan(a) || isNan(b) || !isFiniteF(a) || !nzF(b)) { return nanF(); }
  if (!isFiniteF(b)) { return a; }
  let r = a - b * trunc(a / b);
  return select(r, signedZero(a), !nzF(r));
}
fn remF(a: f32, b: f32) -> f32 {
  // Python's sign rule: the result takes the divisor's sign.
  let r = fmodF(a, b);
  if (nzF(r) && (signBit(r) != signBit(b))) { return r + b; }
  return r;
}
// ATen's div_floor_floating: (a - fmod(a, b)) / b is an integer in exact arithmetic, one less
// when fmod and b differ in sign; a zero quotient takes the sign of a / b (by bits).
fn floorDivF(a: f32, b: f32) -> f32 {
  if (isNan(a) || isNan(b)) { return nanF(); }
  if (!nzF(b)) { return a / b; }
  let m = fmodF(a, b);
  var q = (a - m) / b;
  if (nzF(m) && (signBit(m) != signBit(b))) { q = q - 1.0; }
  if (!nzF(q)) { return bitcast<f32>((bitcast<u32>(a) ^ bitcast<u32>(b)) & 0x80000000u); }
  return round(q);
}
`;

/** WGSL helpers of the int32 ops, shared with the expression kernel. */
export const INT_MATH = `
fn powI(x: i32, y: i32) -> i32 {
  if (y < 0) {
    if (x == 1) { return 1; }
    if (x == -1) { return select(1, -1, (y & 1) == 1); }
    return 0;
  }
  var r = 1; var b = x; var e = y;
  loop {
    if (e == 0) { break; }
    if ((e & 1) == 1) { r = r * b; }
    b = b * b; e = e >> 1u;
  }
  return r;
}
fn remI(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) { return r + b; }
  return r;
}
fn floorDivI(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) { return q - 1; }
  return q;
}
`;

/** WGSL expression for a unary op on `x` (already converted to the input's type). */
export function unaryExpr(op: UnaryOp, dtype: DType): string {
  if (op === 'logicalNot') return dtype === 'float32' ? 'select(1u, 0u, nzF(x))' : 'select(0u, 1u, x == 0)';
  if (op === 'isnan') return dtype === 'float32' ? 'select(0u, 1u, isNan(x))' : '0u';
  // Identities on integers (core's scalar table): rounding ops on int32, and every other op
  // on bool, whose 0/1 values neg/abs/sign/relu leave as they are after the bool rounding.
  if (dtype === 'int32' && (op === 'floor' || op === 'ceil' || op === 'round')) return 'x';
  if (dtype === 'bool') return 'x';
  if (dtype === 'int32') {
    switch (op) {
      case 'neg':
        return '-x';
      case 'abs':
        return 'abs(x)';
      case 'sign':
        return 'sign(x)';
      case 'relu':
        return 'max(x, 0)';
      default:
        throw new Error(`@layers/backend-webgpu: unary '${op}' is not defined for int32`);
    }
  }
  switch (op) {
    case 'neg':
      return '-x';
    case 'abs':
      return 'abs(x)';
    case 'sign':
      return 'signF(x)';
    case 'exp':
      return 'expF(x)';
    case 'expm1':
      return 'expm1F(x)';
    case 'log':
      return 'logF(x)';
    case 'log1p':
      return 'log1pF(x)';
    case 'sqrt':
      return 'sqrt(x)';
    case 'rsqrt':
      return 'inverseSqrt(x)';
    case 'reciprocal':
      return '1.0 / x';
    case 'sin':
      return 'sinF(x)';
    case 'cos':
      return 'cosF(x)';
    case 'tan':
      return 'sinF(x) / cosF(x)';
    case 'tanh':
      return 'tanhF(x)';
    case 'sigmoid':
      return 'sigmoidF(x)';
    case 'erf':
      return 'erfF(x)';
    case 'floor':
      return 'floor(x)';
    case 'ceil':
      return 'ceil(x)';
    case 'round':
      return 'round(x)'; // WGSL rounds half to even, as PyTorch does
    case 'relu':
      // Keeps NaN (torch.relu). A float compare here is not enough: drivers that assume no
      // NaN rewrite select(x, 0, x < 0) as max(x, 0), whose NaN result is undefined.
      return 'select(x, 0.0, isNegF(x))';
  }
}

const COMPARE: Partial<Record<BinaryOp, string>> = {
  eq: '==',
  ne: '!=',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
};

/** WGSL expression for a binary op on `a`, `b`; the result type is returned too. */
export function binaryExpr(op: BinaryOp, dtype: DType): string {
  const f = dtype === 'float32';
  const zero = f ? '0.0' : dtype === 'int32' ? '0' : '0u';
  const cmp = COMPARE[op];
  if (cmp) {
    if (!f) return `select(0u, 1u, a ${cmp} b)`;
    // Spell out IEEE NaN semantics: only ne is true when either side is NaN.
    const nan = 'isNan(a) || isNan(b)';
    return op === 'ne' ? `select(0u, 1u, (${nan}) || a != b)` : `select(0u, 1u, !(${nan}) && a ${cmp} b)`;
  }
  const nzA = f ? 'nzF(a)' : `(a != ${zero})`;
  const nzB = f ? 'nzF(b)' : `(b != ${zero})`;
  switch (op) {
    case 'logicalAnd':
      return `select(0u, 1u, ${nzA} && ${nzB})`;
    case 'logicalOr':
      return `select(0u, 1u, ${nzA} || ${nzB})`;
    case 'logicalXor':
      return `select(0u, 1u, ${nzA} != ${nzB})`;
  }
  if (dtype === 'bool') {
    // The int32 op on the 0/1 values, then the bool rounding (!= 0), as core's scalar table.
    const int = binaryExpr(op, 'int32').replace(/\ba\b/g, 'i32(a)').replace(/\bb\b/g, 'i32(b)');
    return `select(0u, 1u, (${int}) != 0)`;
  }
  switch (op) {
    case 'add':
      return 'a + b';
    case 'sub':
      return 'a - b';
    case 'mul':
      return 'a * b';
    case 'div':
      return f ? 'a / b' : 'floorDivI(a, b)';
    case 'pow':
      return f ? 'powF(a, b)' : 'powI(a, b)';
    case 'maximum':
      return f ? 'maxF(a, b)' : 'max(a, b)';
    case 'minimum':
      return f ? 'minF(a, b)' : 'min(a, b)';
    case 'atan2':
      if (!f) throw new Error("@layers/backend-webgpu: 'atan2' is not defined for int32");
      return 'atan2F(a, b)';
    case 'remainder':
      return f ? 'remF(a, b)' : 'remI(a, b)';
    case 'floorDivide':
      return f ? 'floorDivF(a, b)' : 'floorDivI(a, b)';
  }
  throw new Error(`@layers/backend-webgpu: unknown binary op '${op}'`);
}

/** Conversion expression from `x` of `from` dtype to the `to` dtype (as a value, not a word). */
export function castExpr(from: DType, to: DType): string {
  if (from === to) return 'x';
  if (to === 'bool') {
    // By bits, so NaN counts as non-zero whatever the driver's float compare does.
    return from === 'float32'
      ? 'select(0u, 1u, (bitcast<u32>(x) & 0x7fffffffu) != 0u)'
      : 'select(0u, 1u, x != 0)';
  }
  if (to === 'float32') return 'f32(x)';
  // to int32: WGSL float→int conversion truncates toward zero and saturates.
  return 'i32(x)';
}

/** A 1-D elementwise entry point over P[0] elements: `helpers`, then the bindings and the per-element body. */
export function shader(bindings: string, body: string, helpers: string): string {
  return `${helpers}
@group(0) @binding(0) var<storage, read> P: array<u32>;
${bindings}
@compute @workgroup_size(${WG})
fn main(${ENTRY_BUILTINS}) {
  ${FLAT_WG}
  let i = wgid * ${WG}u + li;
  if (i >= P[0]) { return; }
  ${body}
}`;
}

const OUT = '@group(0) @binding(1) var<storage, read_write> O: array<u32>;';
function inputs(count: number): string {
  const lines = [];
  for (let k = 0; k < count; k++) {
    lines.push(`@group(0) @binding(${k + 2}) var<storage, read> I${k}: array<u32>;`);
  }
  return lines.join('\n');
}

export function unaryShader(op: UnaryOp, inType: DType, outType: DType, indexCode: string): string {
  const body = `${indexCode}
    let x = ${fromWord(inType, 'I0[idx1]')};
    O[idx0] = ${toWord(outType, unaryExpr(op, inType))};`;
  return shader(`${OUT}\n${inputs(1)}`, body, FLOAT_MATH);
}

export function binaryShader(op: BinaryOp, inType: DType, outType: DType, indexCode: string): string {
  const body = `${indexCode}
    let a = ${fromWord(inType, 'I0[idx1]')};
    let b = ${fromWord(inType, 'I1[idx2]')};
    O[idx0] = ${toWord(outType, binaryExpr(op, inType))};`;
  return shader(`${OUT}\n${inputs(2)}`, body, FLOAT_MATH + INT_MATH);
}

/** `where` moves 32-bit words: it does not need to know the value dtype. */
export function whereShader(indexCode: string): string {
  const body = `${indexCode}
    O[idx0] = select(I2[idx3], I1[idx2], I0[idx1] != 0u);`;
  return shader(`${OUT}\n${inputs(3)}`, body, '');
}

export function copyShader(from: DType, to: DType, indexCode: string): string {
  const body = `${indexCode}
    let x = ${fromWord(from, 'I0[idx1]')};
    O[idx0] = ${toWord(to, castExpr(from, to))};`;
  return shader(`${OUT}\n${inputs(1)}`, body, '');
}

/** Fill with a word given in params right after the indexing block (at `wordAt`). */
export function fillShader(indexCode: string, wordAt: number): string {
  const body = `${indexCode}
    O[idx0] = P[${wordAt}];`;
  return shader(OUT, body, '');
}
