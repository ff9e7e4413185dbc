// Scalar reference semantics of every elementwise op (PyTorch rules). The vector paths in
// elementwise.ts must agree with these; generic strided/mixed-dtype paths call them directly.

export const U_NEG: i32 = 0;
export const U_ABS: i32 = 1;
export const U_SIGN: i32 = 2;
export const U_EXP: i32 = 3;
export const U_EXPM1: i32 = 4;
export const U_LOG: i32 = 5;
export const U_LOG1P: i32 = 6;
export const U_SQRT: i32 = 7;
export const U_RSQRT: i32 = 8;
export const U_RECIPROCAL: i32 = 9;
export const U_SIN: i32 = 10;
export const U_COS: i32 = 11;
export const U_TAN: i32 = 12;
export const U_TANH: i32 = 13;
export const U_SIGMOID: i32 = 14;
export const U_ERF: i32 = 15;
export const U_FLOOR: i32 = 16;
export const U_CEIL: i32 = 17;
export const U_ROUND: i32 = 18;
export const U_RELU: i32 = 19;
export const U_NOT: i32 = 20;
export const U_ISNAN: i32 = 21;

export const B_ADD: i32 = 0;
export const B_SUB: i32 = 1;
export const B_MUL: i32 = 2;
export const B_DIV: i32 = 3;
export const B_POW: i32 = 4;
export const B_MAX: i32 = 5;
export const B_MIN: i32 = 6;
export const B_ATAN2: i32 = 7;
export const B_REM: i32 = 8;
export const B_FLOORDIV: i32 = 9;
export const B_EQ: i32 = 10;
export const B_NE: i32 = 11;
export const B_LT: i32 = 12;
export const B_LE: i32 = 13;
export const B_GT: i32 = 14;
export const B_GE: i32 = 15;
export const B_AND: i32 = 16;
export const B_OR: i32 = 17;
export const B_XOR: i32 = 18;

/** erf in double precision: Taylor series near 0, Chebyshev-fitted erfc (rel. err < 1.2e-7) beyond. */
export function erf64(x: f64): f64 {
  // NaN passes through; +-0 returns itself (the series would turn -0 into +0).
  if (isNaN(x) || x == 0) return x;
  const ax = Math.abs(x);
  if (ax < 0.5) {
    // erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 12; n++) {
      term *= -x2 / <f64>n;
      sum += term / <f64>(2 * n + 1);
    }
    return sum * 1.1283791670955126;
  }
  const t = 1.0 / (1.0 + 0.5 * ax);
  const y =
    t *
    Math.exp(
      -ax * ax -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1.0 - y : y - 1.0;
}

export function unaryF(op: i32, x: f64): f64 {
  switch (op) {
    case U_NEG: return -x;
    case U_ABS: return Math.abs(x);
    case U_SIGN: return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0;
    case U_EXP: return Math.exp(x);
    case U_EXPM1: return Math.expm1(x);
    case U_LOG: return Math.log(x);
    case U_LOG1P: return Math.log1p(x);
    case U_SQRT: return Math.sqrt(x);
    case U_RSQRT: return <f64>(<f32>1.0 / <f32>Math.sqrt(x));
    case U_RECIPROCAL: return 1.0 / x;
    case U_SIN: return Math.sin(x);
    case U_COS: return Math.cos(x);
    case U_TAN: return Math.tan(x);
    case U_TANH: return Math.tanh(x);
    case U_SIGMOID: return 1.0 / (1.0 + Math.exp(-x));
    case U_ERF: return erf64(x);
    case U_FLOOR: return Math.floor(x);
    case U_CEIL: return Math.ceil(x);
    case U_ROUND: return nearest<f64>(x);
    case U_RELU: return x < 0 ? 0.0 : x;
    case U_NOT: return x == 0 ? 1.0 : 0.0;
    case U_ISNAN: return isNaN(x) ? 1.0 : 0.0;
  }
  return 0;
}

export function unaryI(op: i32, x: i32): i32 {
  switch (op) {
    case U_NEG: return -x;
    case U_ABS: return x < 0 ? -x : x;
    case U_SIGN: return x > 0 ? 1 : x < 0 ? -1 : 0;
    case U_RELU: return x > 0 ? x : 0;
    case U_NOT: return x == 0 ? 1 : 0;
    case U_ISNAN: return 0;
  }
  return x;
}

/** Python-style float remainder, as torch.remainder: the result takes the divisor's sign. */
export function remF(a: f64, b: f64): f64 {
  let m = a % b;
  if (m != 0 && (b < 0) != (m < 0)) m += b;
  return m;
}

/** torch.floor_divide for floats (mirrors ATen's div_floor_floating). */
export function floorDivF(a: f64, b: f64): f64 {
  if (b == 0) return a / b;
  const m = a % b;
  let div = (a - m) / b;
  if (m != 0 && (b < 0) != (m < 0)) div -= 1.0;
  let fd: f64;
  if (div != 0) {
    fd = Math.floor(div);
    if (div - fd > 0.5) fd += 1.0;
  } else {
    fd = copysign<f64>(0, a / b);
  }
  return fd;
}

/** C pow, as torch: pow(1, y) = 1 for every y, NaN included, and pow(-1, ±inf) = 1. */
export function powF(a: f64, b: f64): f64 {
  if (a == 1.0 || b == 0.0) return 1.0;
  if (a == -1.0 && Math.abs(b) == Infinity) return 1.0;
  return Math.pow(a, b);
}

export function binaryF(op: i32, a: f64, b: f64): f64 {
  switch (op) {
    case B_ADD: return a + b;
    case B_SUB: return a - b;
    case B_MUL: return a * b;
    case B_DIV: return a / b;
    case B_POW: return powF(a, b);
    case B_MAX: return isNaN(a) || isNaN(b) ? a + b : Math.max(a, b);
    case B_MIN: return isNaN(a) || isNaN(b) ? a + b : Math.min(a, b);
    case B_ATAN2: return Math.atan2(a, b);
    case B_REM: return remF(a, b);
    case B_FLOORDIV: return floorDivF(a, b);
    case B_EQ: return a == b ? 1 : 0;
    case B_NE: return a != b ? 1 : 0;
    case B_LT: return a < b ? 1 : 0;
    case B_LE: return a <= b ? 1 : 0;
    case B_GT: return a > b ? 1 : 0;
    case B_GE: return a >= b ? 1 : 0;
    case B_AND: return a != 0 && b != 0 ? 1 : 0;
    case B_OR: return a != 0 || b != 0 ? 1 : 0;
    case B_XOR: return (a != 0) != (b != 0) ? 1 : 0;
  }
  return 0;
}

function powI(a: i32, b: i32): i32 {
  if (b < 0) return a == 1 ? 1 : a == -1 ? (b & 1 ? -1 : 1) : 0;
  let r = 1;
  while (b) {
    if (b & 1) r *= a;
    a *= a;
    b >>= 1;
  }
  return r;
}

/** int32 semantics (wrapping arithmetic, Python-style floor division and remainder). */
export function binaryI(op: i32, a: i32, b: i32): i32 {
  switch (op) {
    case B_ADD: return a + b;
    case B_SUB: return a - b;
    case B_MUL: return a * b;
    case B_DIV: return b == 0 ? 0 : b == -1 ? -a : a / b;
    case B_POW: return powI(a, b);
    case B_MAX: return a > b ? a : b;
    case B_MIN: return a < b ? a : b;
    case B_REM: {
      if (b == 0 || b == -1) return 0;
      let m = a % b;
      if (m != 0 && (m < 0) != (b < 0)) m += b;
      return m;
    }
    case B_FLOORDIV: {
      if (b == 0) return 0;
      if (b == -1) return -a;
      let q = a / b;
      if (a % b != 0 && (a < 0) != (b < 0)) q -= 1;
      return q;
    }
    case B_EQ: return a == b ? 1 : 0;
    case B_NE: return a != b ? 1 : 0;
    case B_LT: return a < b ? 1 : 0;
    case B_LE: return a <= b ? 1 : 0;
    case B_GT: return a > b ? 1 : 0;
    case B_GE: return a >= b ? 1 : 0;
    case B_AND: return a != 0 && b != 0 ? 1 : 0;
    case B_OR: return a != 0 || b != 0 ? 1 : 0;
    case B_XOR: return (a != 0) != (b != 0) ? 1 : 0;
  }
  return 0;
}
