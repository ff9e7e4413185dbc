/**
 * The scalar functions behind scalar.ts's table, with PyTorch's semantics, computed in float64
 * and rounded on store (moved here from backend-cpu so every backend shares one definition).
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;

/**
 * erf accurate to ~1e-15 in float64 (far beyond float32's needs): the Maclaurin series where
 * it converges quickly (|x| < 2.5, cancellation costs < 3 digits there), and the Laplace
 * continued fraction for erfc beyond, where it converges quickly instead.
 */
export function erf(x: number): number {
  // NaN passes through; +-0 returns itself (the series would turn -0 into +0).
  if (Number.isNaN(x) || x === 0) return x;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 80; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  if (ax >= 6) return x > 0 ? 1 : -1;
  // erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated bottom-up.
  let t = ax;
  for (let n = 60; n >= 1; n--) t = ax + n / 2 / t;
  const erfc = (Math.exp(-ax * ax) * ONE_OVER_SQRT_PI) / t;
  return x > 0 ? 1 - erfc : erfc - 1;
}

/** Numerically stable logistic: never evaluates exp of a large positive number. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Round half to even, as torch.round (Math.round rounds half up). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  if (r - x === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/** torch.sign: NaN gives 0 on CPU ((0 < x) - (x < 0)); keeps -0 as 0. */
export function sign(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : 0;
}

/** Python/torch remainder for floats: fmod, then moved to the divisor's sign. */
export function remainderF(a: number, b: number): number {
  let r = a % b;
  if (r !== 0 && r < 0 !== b < 0) r += b;
  return r;
}

/** torch.floor_divide for floats (div_floor_floating in ATen). */
export function floorDivideF(a: number, b: number): number {
  if (b === 0) return a / b;
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
  if (div === 0) {
    const q = a / b;
    return q < 0 || Object.is(q, -0) ? -0 : 0;
  }
  let fl = Math.floor(div);
  if (div - fl > 0.5) fl += 1;
  return fl;
}

/** Python remainder for int32; a zero divisor gives 0 (torch raises, core should reject it). */
export function remainderI(a: number, b: number): number {
  if (b === 0) return 0;
  let r = a % b;
  if (r !== 0 && r < 0 !== b < 0) r += b;
  return r | 0;
}

/** torch.floor_divide for int32; a zero divisor gives 0 (core rejects it before any kernel). */
export function floorDivideI(a: number, b: number): number {
  if (b === 0) return 0;
  // |a|,|b| < 2^31 so a/b in float64 never rounds across an integer boundary.
  return Math.floor(a / b) | 0;
}

/** C pow semantics, which torch follows: pow(1, y) = 1 and pow(-1, ±inf) = 1 (JS gives NaN). */
export function powF(a: number, b: number): number {
  if (a === 1 || b === 0) return 1;
  if (a === -1 && (b === Infinity || b === -Infinity)) return 1;
  return a ** b;
}

/** Integer power with int32 wrap-around; negative exponents follow ATen's powi. */
export function powI(a: number, b: number): number {
  if (b < 0) {
    if (a === 1) return 1;
    if (a === -1) return -b % 2 === 1 ? -1 : 1;
    return 0;
  }
  let result = 1;
  let base = a | 0;
  let e = b;
  while (e > 0) {
    if (e & 1) result = Math.imul(result, base);
    base = Math.imul(base, base);
    e >>>= 1;
  }
  return result;
}

/** torch.maximum: Math.max already propagates NaN and orders -0 below +0, as torch does. */
export const maximum = Math.max as (a: number, b: number) => number;
/** torch.minimum: Math.min already propagates NaN and orders -0 below +0, as torch does. */
export const minimum = Math.min as (a: number, b: number) => number;
