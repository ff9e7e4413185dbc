/**
 * Accurate float32 sin/cos/atan/log in WGSL. WebGPU inherits Vulkan's precision rules, which
 * allow builtin sin/cos an absolute error of 2^-11 and atan 4096 ULP; SwiftShader really is
 * that loose (cos off by 1e-4). These are Cephes' float32 algorithms: Cody-Waite range
 * reduction plus minimax polynomials, a few ULP everywhere we care about.
 */
export const MATHLIB = `
fn sinPoly(r: f32) -> f32 {
  let z = r * r;
  return r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
}
fn cosPoly(r: f32) -> f32 {
  let z = r * r;
  return 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
}
// x = k * pi/2 + r, |r| <= pi/4; pi/2 split in three parts so k * part is exact for |k| < 2^15.
fn reduceHalfPi(x: f32) -> vec2<f32> {
  let k = round(x * 0.63661977236758134);
  let r = ((x - k * 1.5703125) - k * 4.837512969970703125e-4) - k * 7.54978995489188216e-8;
  return vec2<f32>(r, k);
}
fn sinF(x: f32) -> f32 {
  // NaN and +-0 return themselves (the range reduction would turn -0 into +0).
  if (isNan(x) || (bitcast<u32>(x) & 0x7fffffffu) == 0u) { return x; }
  if (abs(x) > 32768.0) { return sin(x); }
  let rk = reduceHalfPi(x);
  let q = i32(rk.y) & 3;
  let s = sinPoly(rk.x); let c = cosPoly(rk.x);
  return select(select(select(-c, -s, q == 2), c, q == 1), s, q == 0);
}
fn cosF(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (abs(x) > 32768.0) { return cos(x); }
  let rk = reduceHalfPi(x);
  let q = i32(rk.y) & 3;
  let s = sinPoly(rk.x); let c = cosPoly(rk.x);
  return select(select(select(s, -c, q == 2), -s, q == 1), c, q == 0);
}
fn atanF(x: f32) -> f32 {
  let ax = abs(x);
  var y0 = 0.0; var t = ax;
  if (ax > 2.414213562373095) { y0 = 1.5707963267948966; t = -1.0 / ax; }
  else if (ax > 0.4142135623730950) { y0 = 0.7853981633974483; t = (ax - 1.0) / (ax + 1.0); }
  let z = t * t;
  let y = y0 + ((((8.05374449538e-2 * z - 1.38776856032e-1) * z + 1.99777106478e-1) * z
    - 3.33329491539e-1) * z * t + t);
  return select(y, -y, x < 0.0);
}
fn signBit(x: f32) -> bool { return (bitcast<u32>(x) & 0x80000000u) != 0u; }
// +-0 with the sign bit of s, and copysign for the results below: by bits, because a -0.0
// literal or a negation of 0 is not reliably kept by every driver (SwiftShader folds it).
fn signedZero(s: f32) -> f32 { return bitcast<f32>(bitcast<u32>(s) & 0x80000000u); }
fn withSignOf(v: f32, s: f32) -> f32 {
  return bitcast<f32>((bitcast<u32>(v) & 0x7fffffffu) | (bitcast<u32>(s) & 0x80000000u));
}
// C's atan2 (which torch follows), special cases spelled out: the builtin's are undefined for
// infinities in WGSL and wrong for atan2(-0, +inf) on SwiftShader.
fn atan2F(y: f32, x: f32) -> f32 {
  if (isNan(x) || isNan(y)) { return nanF(); }
  let pi = 3.14159265358979;
  if (y == 0.0) { return select(signedZero(y), withSignOf(pi, y), signBit(x)); }
  if (x == 0.0) { return withSignOf(pi / 2.0, y); }
  if (!isFiniteF(y)) {
    if (!isFiniteF(x)) { return withSignOf(select(pi / 4.0, 3.0 * pi / 4.0, x < 0.0), y); }
    return withSignOf(pi / 2.0, y);
  }
  if (!isFiniteF(x)) { return select(signedZero(y), withSignOf(pi, y), x < 0.0); }
  let a = atanF(y / x);
  if (x > 0.0) { return a; }
  return select(a + pi, a - pi, signBit(y));
}
// Builtin exp may be off by 3 + 2|x| ULP under Vulkan's rules; this is ~1 ULP.
fn expF(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (x > 88.72283905206835) { return infF(); }
  if (x < -103.972084) { return 0.0; }
  let n = round(x * 1.44269504088896341);
  let r = (x - n * 0.693359375) - n * -2.12194440e-4;
  let z = r * r;
  let p = ((((( 1.9875691500e-4 * r + 1.3981999507e-3) * r + 8.3334519073e-3) * r
    + 4.1665795894e-2) * r + 1.6666665459e-1) * r + 5.0000001201e-1) * z + r + 1.0;
  // Two steps so 2^n never overflows or flushes before the product does.
  let n1 = i32(n) / 2;
  return ldexp(ldexp(p, n1), i32(n) - n1);
}
fn tanhF(x: f32) -> f32 {
  let ax = abs(x);
  if (isNan(x) || (bitcast<u32>(x) & 0x7fffffffu) == 0u) { return x; }
  if (ax < 0.625) {
    let z = x * x;
    return ((((-5.70498872745e-3 * z + 2.06390887954e-2) * z - 5.37397155531e-2) * z
      + 1.33314422036e-1) * z - 3.33332819422e-1) * z * x + x;
  }
  if (ax > 10.0) { return select(1.0, -1.0, x < 0.0); }
  let t = 1.0 - 2.0 / (expF(2.0 * ax) + 1.0);
  return select(t, -t, x < 0.0);
}
fn logF(x: f32) -> f32 {
  if (isNan(x) || x < 0.0) { return nanF(); }
  if (x == 0.0) { return -infF(); }
  if (x == infF()) { return x; }
  let fe = frexp(x);
  var m = fe.fract; var e = f32(fe.exp);
  if (m < 0.70710678118654752) { e = e - 1.0; m = m + m - 1.0; } else { m = m - 1.0; }
  let z = m * m;
  var y = (((((((( 7.0376836292e-2 * m - 1.1514610310e-1) * m + 1.1676998740e-1) * m
    - 1.2420140846e-1) * m + 1.4249322787e-1) * m - 1.6668057665e-1) * m
    + 2.0000714765e-1) * m - 2.4999993993e-1) * m + 3.3333331174e-1) * m * z;
  y = y + -2.12194440e-4 * e;
  y = y + -0.5 * z;
  return (m + y) + 0.693359375 * e;
}
fn sigmoidF(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (x >= 0.0) { return 1.0 / (1.0 + expF(-x)); }
  let e = expF(x);
  return e / (1.0 + e);
}
`;
