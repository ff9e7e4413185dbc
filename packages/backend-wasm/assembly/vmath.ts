// Vector exp, sigmoid and tanh for the unary kernel. Each f32x4 is widened to two f64x2,
// computed in double and rounded once back to float32, so results stay within about half an
// ulp of the correctly rounded value (the scalar fallback computes in double too) while
// running several times faster than a libm call per element.

const LOG2E: f64 = 1.4426950408889634;
// ln 2 split so n * LN2_HI is exact for |n| < 2^11 (Cody-Waite reduction).
const LN2_HI: f64 = 0.6931471803691238;
const LN2_LO: f64 = 1.9082149292705877e-10;

/**
 * exp on f64x2. Inputs are clamped to [-708, 708] (still finite and normal in double; far
 * beyond float32's range, so the final rounding gives inf / 0 where it should); NaN stays
 * NaN since f64x2.min/max propagate it.
 */
// @ts-ignore: decorator
@inline function exp2x(x: v128): v128 {
  x = f64x2.min(f64x2.max(x, f64x2.splat(-708)), f64x2.splat(708));
  const n = f64x2.nearest(f64x2.mul(x, f64x2.splat(LOG2E)));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(n, f64x2.splat(LN2_HI))), f64x2.mul(n, f64x2.splat(LN2_LO)));
  // Taylor to r^10 on |r| <= ln2/2: truncation error < 3e-13, far below float32's 6e-8.
  let p = f64x2.splat(1.0 / 3628800);
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 362880));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 40320));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 5040));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 720));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 120));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 24));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 6));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(0.5));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1));
  // 2^n from its exponent bits; NaN's n truncates to 0 and p carries the NaN.
  const e = i64x2.shl(i64x2.add(i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(n)), i64x2.splat(1023)), 52);
  return f64x2.mul(p, e);
}

// @ts-ignore: decorator
@inline function sigmoid2x(x: v128): v128 {
  return f64x2.div(f64x2.splat(1), f64x2.add(f64x2.splat(1), exp2x(f64x2.neg(x))));
}

// @ts-ignore: decorator
@inline function tanh2x(x: v128): v128 {
  const e = exp2x(f64x2.add(x, x));
  let t = f64x2.div(f64x2.sub(e, f64x2.splat(1)), f64x2.add(e, f64x2.splat(1)));
  // Near 0, e - 1 cancels (tanh(1e-30) would be 0): x - x^3/3 + 2x^5/15 there, whose
  // truncation error 17x^7/315 is < 1e-12 relative for |x| < 1/32.
  const x2 = f64x2.mul(x, x);
  const small = f64x2.mul(x, f64x2.add(f64x2.splat(1), f64x2.mul(x2, f64x2.add(f64x2.splat(-1.0 / 3), f64x2.mul(x2, f64x2.splat(2.0 / 15))))));
  t = v128.bitselect(small, t, f64x2.lt(f64x2.abs(x), f64x2.splat(0.03125)));
  // copysign(t, x): keeps tanh(-0) = -0 (the quotient above gives +0).
  return v128.bitselect(x, t, i64x2.splat(0x8000000000000000));
}

/** Apply an f64x2 function to the four lanes of an f32x4. */
// @ts-ignore: decorator
@inline function lanes4(x: v128, op: i32): v128 {
  const lo = f64x2.promote_low_f32x4(x);
  const hi = f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1));
  let a: v128;
  let b: v128;
  if (op == 0) {
    a = exp2x(lo);
    b = exp2x(hi);
  } else if (op == 1) {
    a = sigmoid2x(lo);
    b = sigmoid2x(hi);
  } else {
    a = tanh2x(lo);
    b = tanh2x(hi);
  }
  return i32x4.shuffle(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

@final export class VExp {
  @inline v(x: v128): v128 { return lanes4(x, 0); }
  @inline s(x: f32): f32 { return <f32>Math.exp(<f64>x); }
}
@final export class VSigmoid {
  @inline v(x: v128): v128 { return lanes4(x, 1); }
  @inline s(x: f32): f32 { return sigmoid1(x); }
}
@final export class VTanh {
  @inline v(x: v128): v128 { return lanes4(x, 2); }
  @inline s(x: f32): f32 { return tanh1(x); }
}

/** sigmoid and tanh on f32 for the fused recurrent cells' tails (the unary kernel's numbers). */
// @ts-ignore: decorator
@inline export function sigmoid1(x: f32): f32 { return <f32>(1.0 / (1.0 + Math.exp(-<f64>x))); }
// @ts-ignore: decorator
@inline export function tanh1(x: f32): f32 { return <f32>Math.tanh(<f64>x); }
