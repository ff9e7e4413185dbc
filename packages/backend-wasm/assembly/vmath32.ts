// sigmoid and tanh on f32x4 computed in float32 arithmetic, for the fused recurrent cells: a
// recurrent step evaluates five of them per hidden unit, and these take half the time of the
// float64 versions in vmath.ts (LSTM cell, batch 16, hidden 128: 50 -> 22 us). Accuracy:
// within 2.5 ulp of the exact value (worst seen 2.33 for sigmoid, 1.50 for tanh over 37
// million float32 inputs in [-104, 104]; test/rnn-cells.test.ts checks a sweep), with exact
// limits, denormal results and NaN propagated.

// @ts-ignore: decorator
@inline function splat(x: f32): v128 { return f32x4.splat(x); }

/**
 * e^x for x <= 0 (x = -|y|), down to the smallest denormal. Cody-Waite reduction with ln 2
 * split in two (n * LN2_HI exact), Cephes' degree-6 expf polynomial on |r| <= ln2/2, and 2^n
 * applied as two factors so results below 2^-126 round once into the denormals.
 */
// @ts-ignore: decorator
@inline function expNeg(x: v128): v128 {
  // e^-104 is below half the smallest denormal. pmax is one instruction (max is several, for
  // NaN and -0 rules) and keeps a NaN x, its first operand.
  x = f32x4.pmax(x, splat(-104));
  // n = round(x / ln 2) and its integer bits in one add: adding 1.5 * 2^23 rounds to an integer
  // (ties to even) and leaves it in the low mantissa bits.
  const t = f32x4.add(f32x4.mul(x, splat(1.44269504)), splat(12582912));
  const n = f32x4.sub(t, splat(12582912));
  const ni = i32x4.sub(t, i32x4.splat(0x4b400000));
  let r = f32x4.sub(x, f32x4.mul(n, splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, splat(-2.12194440e-4)));
  let p = splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), splat(1));
  // n in [-150, 0]: 2^n = 2^h * 2^(n-h) with h = n / 2, both factors normal.
  const h = i32x4.shr_s(ni, 1);
  const s1 = i32x4.shl(i32x4.add(h, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(ni, h), i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/** 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) below, so neither side overflows. */
// @ts-ignore: decorator
@inline export function sigmoidF4(x: v128): v128 {
  const e = expNeg(f32x4.neg(f32x4.abs(x)));
  return f32x4.div(v128.bitselect(splat(1), e, f32x4.ge(x, splat(0))), f32x4.add(splat(1), e));
}

/**
 * tanh: Cephes' odd polynomial for |x| < 0.625 (where 1 - e cancels), otherwise
 * (1 - e) / (1 + e) with e = e^-2|x|; the sign is copied from x (tanh(-0) = -0).
 */
// @ts-ignore: decorator
@inline export function tanhF4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const e = expNeg(f32x4.mul(ax, splat(-2)));
  const big = f32x4.div(f32x4.sub(splat(1), e), f32x4.add(splat(1), e));
  const z = f32x4.mul(x, x);
  let p = splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), ax), ax);
  const t = v128.bitselect(small, big, f32x4.lt(ax, splat(0.625)));
  // NaN: ax is NaN, both branches give NaN; copy x's sign bit onto the magnitude.
  return v128.or(t, v128.and(x, i32x4.splat(0x80000000)));
}
