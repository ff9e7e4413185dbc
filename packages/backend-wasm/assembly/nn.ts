// Fused NN kernels: conv bias, softmax, layerNorm, Adam (convolution itself: conv.ts).

/** out[n][o][:] += bias[o] over planes (n, o) in [lo, hi). */
export function addBias(o: usize, bias: usize, O: i32, hw: i32, lo: i32, hi: i32): void {
  for (let plane = lo; plane < hi; plane++) {
    const bv = load<f32>(bias + (<usize>(plane % O) << 2));
    const v = f32x4.splat(bv);
    const p = o + (<usize>plane * <usize>hw << 2);
    let i = 0;
    for (; i + 4 <= hw; i += 4) {
      const q = p + (<usize>i << 2);
      v128.store(q, f32x4.add(v128.load(q), v));
    }
    for (; i < hw; i++) {
      const q = p + (<usize>i << 2);
      store<f32>(q, load<f32>(q) + bv);
    }
  }
}

/**
 * Vector exp for x <= ~88 (Cephes expf polynomial, ~1 ulp). Inputs below -87.3 give 0 instead
 * of a denormal, which softmax (its only user, on x - max <= 0) cannot see. NaN stays NaN.
 */
// @ts-ignore: decorator
@inline function expV(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.33654)), f32x4.splat(88.37626));
  const fx = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(fx, f32x4.splat(-2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(y, f32x4.mul(r, r)), r), f32x4.splat(1));
  const e = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(fx), i32x4.splat(127)), 23);
  return f32x4.mul(y, e);
}

function rowMax(p: usize, n: i32): f32 {
  let m: f32 = -Infinity;
  let i = 0;
  if (n >= 4) {
    let v = v128.load(p);
    for (i = 4; i + 4 <= n; i += 4) v = f32x4.max(v, v128.load(p + (<usize>i << 2)));
    const a = f32x4.extract_lane(v, 0);
    const b = f32x4.extract_lane(v, 1);
    const c = f32x4.extract_lane(v, 2);
    const d = f32x4.extract_lane(v, 3);
    m = isNaN(a) || isNaN(b) || isNaN(c) || isNaN(d) ? NaN : Mathf.max(Mathf.max(a, b), Mathf.max(c, d));
  }
  for (; i < n; i++) {
    const e = load<f32>(p + (<usize>i << 2));
    m = isNaN(m) || isNaN(e) ? NaN : Mathf.max(m, e);
  }
  return m;
}

export function softmax(x: usize, o: usize, inner: i32, log: bool, lo: i32, hi: i32): void {
  for (let row = lo; row < hi; row++) {
    const xp = x + (<usize>row * <usize>inner << 2);
    const op = o + (<usize>row * <usize>inner << 2);
    const m = rowMax(xp, inner);
    const mv = f32x4.splat(m);
    let acc = f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= inner; i += 4) {
      const e = expV(f32x4.sub(v128.load(xp + (<usize>i << 2)), mv));
      if (!log) v128.store(op + (<usize>i << 2), e);
      acc = f32x4.add(acc, e);
    }
    let sum: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
    for (; i < inner; i++) {
      const e = <f32>Math.exp(<f64>(load<f32>(xp + (<usize>i << 2)) - m));
      if (!log) store<f32>(op + (<usize>i << 2), e);
      sum += e;
    }
    if (log) {
      // (x - max) - log(sum), as PyTorch: folding max + log(sum) first loses digits for large x.
      const ls = <f32>Math.log(<f64>sum);
      const lv = f32x4.splat(ls);
      i = 0;
      for (; i + 4 <= inner; i += 4) {
        v128.store(op + (<usize>i << 2), f32x4.sub(f32x4.sub(v128.load(xp + (<usize>i << 2)), mv), lv));
      }
      for (; i < inner; i++) store<f32>(op + (<usize>i << 2), load<f32>(xp + (<usize>i << 2)) - m - ls);
    } else {
      const inv = f32x4.splat(<f32>1 / sum);
      const invs: f32 = <f32>1 / sum;
      i = 0;
      for (; i + 4 <= inner; i += 4) {
        const q = op + (<usize>i << 2);
        v128.store(q, f32x4.mul(v128.load(q), inv));
      }
      for (; i < inner; i++) {
        const q = op + (<usize>i << 2);
        store<f32>(q, load<f32>(q) * invs);
      }
    }
  }
}

/** LayerNorm rows; w/b are 0 when absent (the allocator never hands out address 0). */
export function layerNorm(x: usize, w: usize, b: usize, o: usize, mean: usize, rstd: usize, inner: i32, eps: f32, lo: i32, hi: i32): void {
  for (let row = lo; row < hi; row++) {
    const xp = x + (<usize>row * <usize>inner << 2);
    const op = o + (<usize>row * <usize>inner << 2);
    // Two passes in float64 lanes would be slower; f32x4 partial sums keep error ~sqrt(n) ulp.
    let acc = f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= inner; i += 4) acc = f32x4.add(acc, v128.load(xp + (<usize>i << 2)));
    let s: f64 = <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1) + <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
    for (; i < inner; i++) s += <f64>load<f32>(xp + (<usize>i << 2));
    const mu = <f32>(s / <f64>inner);
    const muv = f32x4.splat(mu);
    acc = f32x4.splat(0);
    i = 0;
    for (; i + 4 <= inner; i += 4) {
      const d = f32x4.sub(v128.load(xp + (<usize>i << 2)), muv);
      acc = f32x4.add(acc, f32x4.mul(d, d));
    }
    let ss: f64 = <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1) + <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
    for (; i < inner; i++) {
      const d = <f64>(load<f32>(xp + (<usize>i << 2)) - mu);
      ss += d * d;
    }
    const r = <f32>(1.0 / Math.sqrt(ss / <f64>inner + <f64>eps));
    store<f32>(mean + (<usize>row << 2), mu);
    store<f32>(rstd + (<usize>row << 2), r);
    const rv = f32x4.splat(r);
    i = 0;
    for (; i + 4 <= inner; i += 4) {
      const q = <usize>i << 2;
      let y = f32x4.mul(f32x4.sub(v128.load(xp + q), muv), rv);
      if (w) y = f32x4.mul(y, v128.load(w + q));
      if (b) y = f32x4.add(y, v128.load(b + q));
      v128.store(op + q, y);
    }
    for (; i < inner; i++) {
      const q = <usize>i << 2;
      let y = (load<f32>(xp + q) - mu) * r;
      if (w) y *= load<f32>(w + q);
      if (b) y += load<f32>(b + q);
      store<f32>(op + q, y);
    }
  }
}

/**
 * One Adam/AdamW step on elements [lo, hi), reproducing torch.optim.Adam(foreach=False)'s
 * float32 rounding: Python-float scalars are computed in double and rounded once, and each
 * tensor op rounds in the order ATen evaluates it (lerp_, mul_+addcmul_, sqrt/div/add_, addcdiv_).
 */
export function adam(
  param: usize, grad: usize, m: usize, v: usize, vmax: usize, lr: f64, beta1: f64, beta2: f64, eps: f64, wd: f64,
  decoupled: bool, maximize: bool, bc1: f64, bc2: f64, lo: i32, hi: i32,
): void {
  const negStep = <f32>(-(lr / bc1));
  const bc2s = <f32>Math.sqrt(bc2);
  const w1 = <f32>(1.0 - beta1);
  const b2 = <f32>beta2;
  const w2 = <f32>(1.0 - beta2);
  const e = <f32>eps;
  const wdf = <f32>wd;
  const decay = <f32>(1.0 - lr * wd);
  for (let i = lo; i < hi; i++) {
    const q = <usize>i << 2;
    let p = load<f32>(param + q);
    let g = load<f32>(grad + q);
    if (maximize) g = -g;
    if (wd != 0) {
      if (decoupled) p *= decay;
      else g += wdf * p;
    }
    let mi = load<f32>(m + q);
    mi = mi + w1 * (g - mi);
    let vi = load<f32>(v + q) * b2;
    vi = vi + w2 * g * g;
    store<f32>(m + q, mi);
    store<f32>(v + q, vi);
    let den: f32;
    if (vmax) {
      const vm = Mathf.max(load<f32>(vmax + q), vi);
      store<f32>(vmax + q, vm);
      den = Mathf.sqrt(vm) / bc2s + e;
    } else {
      den = Mathf.sqrt(vi) / bc2s + e;
    }
    store<f32>(param + q, p + (negStep * mi) / den);
  }
}
