/** Scalar definitions of every unary and binary op, with PyTorch's semantics. */
import type { BinaryOp, DType, UnaryOp } from '@layers/core';

/** erf to float32 precision (Abramowitz-Stegun 7.1.26 is too coarse; this uses erfc series). */
export function erf(x: number): number {
  // Saturated (and the continued fraction below would give inf/inf there); NaN passes through.
  if (x === Number.POSITIVE_INFINITY || x === Number.NEGATIVE_INFINITY) return Math.sign(x);
  // W. J. Cody's rational approximations are long; a high-order series/continued fraction
  // pair is simpler and accurate to ~1e-15 in float64.
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let sum = ax;
    let term = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 80; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * ((2 / Math.sqrt(Math.PI)) * sum);
  }
  // Continued fraction for erfc at larger |x| (Lentz's method).
  let f = ax;
  let c = ax;
  let d = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    d = ax + an * d;
    d = 1 / d;
    c = ax + an / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / (f * Math.sqrt(Math.PI));
  return Math.sign(x) * (1 - erfc);
}

/** Round half to even, as torch.round. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function unaryFn(op: UnaryOp, dtype: DType): (x: number) => number {
  const int = dtype !== 'float32';
  switch (op) {
    case 'neg':
      return int ? (x) => -x | 0 : (x) => -x;
    case 'abs':
      return Math.abs;
    case 'sign':
      // torch.sign is (0 < x) - (x < 0): NaN gives 0.
      return (x) => (x > 0 ? 1 : x < 0 ? -1 : 0);
    case 'exp':
      return Math.exp;
    case 'expm1':
      return Math.expm1;
    case 'log':
      return Math.log;
    case 'log1p':
      return Math.log1p;
    case 'sqrt':
      return Math.sqrt;
    case 'rsqrt':
      return (x) => 1 / Math.sqrt(x);
    case 'reciprocal':
      return (x) => 1 / x;
    case 'sin':
      return Math.sin;
    case 'cos':
      return Math.cos;
    case 'tan':
      return Math.tan;
    case 'tanh':
      return Math.tanh;
    case 'sigmoid':
      return (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
    case 'erf':
      return erf;
    case 'floor':
      return Math.floor;
    case 'ceil':
      return Math.ceil;
    case 'round':
      return roundHalfEven;
    case 'relu':
      // clamp_min(x, 0): x unless x < 0, so NaN and -0 pass through.
      // biome-ignore lint/complexity/useMathMinMax: Math.max(-0, 0) is +0; relu keeps -0 (and NaN)
      return (x) => (x < 0 ? 0 : x);
    case 'logicalNot':
      return (x) => (x ? 0 : 1);
    case 'isnan':
      return (x) => (Number.isNaN(x) ? 1 : 0);
  }
}

/** Python's remainder: fmod, then moved to the divisor's sign (torch.remainder). */
function remainderF(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/**
 * torch.floor_divide. For floats, (a - fmod(a, b)) / b is an integer in exact arithmetic, one
 * less when fmod and b differ in sign (ATen's div_floor_floating); rounding it removes the
 * division's error where floor(a / b) would be off by one. An infinite dividend gives NaN
 * (inf % b is NaN) and a zero quotient keeps the sign of a / b.
 */
function floorDiv(a: number, b: number, int: boolean): number {
  if (int) {
    if (b === 0) throw new RangeError('floorDivide: integer division by zero');
    return Math.floor(a / b);
  }
  if (b === 0) return a / b;
  const mod = a % b;
  const q = (a - mod) / b - (mod !== 0 && mod < 0 !== b < 0 ? 1 : 0);
  if (q === 0) return a / b < 0 || Object.is(a / b, -0) ? -0 : 0;
  return Math.round(q);
}

/** C pow, as torch: pow(1, y) = 1 for every y (NaN too) and pow(-1, ±inf) = 1; JS gives NaN. */
function powF(a: number, b: number): number {
  if (a === 1 || b === 0) return 1;
  if (a === -1 && Math.abs(b) === Number.POSITIVE_INFINITY) return 1;
  return a ** b;
}

export function binaryFn(op: BinaryOp, dtype: DType): (a: number, b: number) => number {
  const int = dtype !== 'float32';
  switch (op) {
    case 'add':
      return int ? (a, b) => (a + b) | 0 : (a, b) => a + b;
    case 'sub':
      return int ? (a, b) => (a - b) | 0 : (a, b) => a - b;
    case 'mul':
      return int ? (a, b) => Math.imul(a, b) : (a, b) => a * b;
    case 'div':
      return (a, b) => a / b;
    case 'pow':
      return int ? (a, b) => (a ** b) | 0 : powF;
    case 'maximum':
      return (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b));
    case 'minimum':
      return (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.min(a, b));
    case 'atan2':
      return Math.atan2;
    case 'remainder':
      return (a, b) => {
        if (int && b === 0) throw new RangeError('remainder: integer division by zero');
        return remainderF(a, b);
      };
    case 'floorDivide':
      return (a, b) => floorDiv(a, b, int);
    case 'eq':
      return (a, b) => (a === b ? 1 : 0);
    case 'ne':
      return (a, b) => (a !== b ? 1 : 0);
    case 'lt':
      return (a, b) => (a < b ? 1 : 0);
    case 'le':
      return (a, b) => (a <= b ? 1 : 0);
    case 'gt':
      return (a, b) => (a > b ? 1 : 0);
    case 'ge':
      return (a, b) => (a >= b ? 1 : 0);
    case 'logicalAnd':
      return (a, b) => (a && b ? 1 : 0);
    case 'logicalOr':
      return (a, b) => (a || b ? 1 : 0);
    case 'logicalXor':
      return (a, b) => (!a !== !b ? 1 : 0);
  }
}
