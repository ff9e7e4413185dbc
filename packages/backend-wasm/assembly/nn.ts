// Fused NN kernels: conv helpers (im2col into packed panels, depthwise, bias), softmax,
// layerNorm. (Adam runs as an expression program: see src/expr.ts.)

/**
 * im2col straight into the GEMM's packed-B layout, so the column matrix is written once and
 * not packed again: image n's panel p (output pixels 8p..8p+7) holds, for every column row k
 * = c*kh*kw + ki*kw + kj, the 8 values x[n][c0 + c][oh*sh + ki*dh][ow*sw + kj*dw] at
 * dst + n * batchBytes + (p * K + k) * 32 (pixels past OH*OW are zero). Items are (n, panel).
 */
export function im2colPacked(
  x: usize, xBatch: i32, c0: i32, Cg: i32, H: i32, W: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  OH: i32, OW: i32, dst: usize, batchBytes: usize, lo: i32, hi: i32,
): void {
  const K = Cg * kh * kw;
  const ohw = OH * OW;
  const panels = (ohw + 7) >> 3;
  for (let item = lo; item < hi; item++) {
    const n = item / panels;
    const p = item - n * panels;
    const j0 = p << 3;
    const oh0 = j0 / OW;
    const ow0 = j0 - oh0 * OW;
    // The 8 pixels lie in one output row: with unit stride their inputs are 8 consecutive floats.
    const run = sw == 1 && ow0 + 8 <= OW;
    const img = x + (<usize>(n * xBatch + c0 * H * W) << 2);
    let d = dst + <usize>n * batchBytes + <usize>p * <usize>K * 32;
    for (let c = 0; c < Cg; c++) {
      const plane = img + (<usize>(c * H * W) << 2);
      for (let ki = 0; ki < kh; ki++) {
        for (let kj = 0; kj < kw; kj++) {
          if (run) {
            const s = plane + (<usize>((oh0 * sh + ki * dh) * W + ow0 + kj * dw) << 2);
            v128.store(d, v128.load(s));
            v128.store(d, v128.load(s, 16), 16);
          } else {
            for (let q = 0; q < 8; q++) {
              const j = j0 + q;
              let v: f32 = 0;
              if (j < ohw) {
                const oh = j / OW;
                const ow = j - oh * OW;
                v = load<f32>(plane + (<usize>((oh * sh + ki * dh) * W + ow * sw + kj * dw) << 2));
              }
              store<f32>(d + (<usize>q << 2), v);
            }
          }
          d += 32;
        }
      }
    }
  }
}

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

/** Depthwise conv (groups == C, O = C * mult) over output planes (n, o) in [lo, hi). */
export function depthwise(
  x: usize, w: usize, out: usize, C: i32, H: i32, W: i32, O: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  OH: i32, OW: i32, lo: i32, hi: i32,
): void {
  const mult = O / C;
  for (let plane = lo; plane < hi; plane++) {
    const n = plane / O;
    const oc = plane - n * O;
    const c = oc / mult;
    const xp = x + (<usize>((n * C + c) * H * W) << 2);
    const op = out + (<usize>plane * <usize>(OH * OW) << 2);
    memory.fill(op, 0, <usize>(OH * OW) << 2);
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const wv = load<f32>(w + (<usize>((oc * kh + ki) * kw + kj) << 2));
        const wvec = f32x4.splat(wv);
        for (let oh = 0; oh < OH; oh++) {
          const s = xp + (<usize>((oh * sh + ki * dh) * W + kj * dw) << 2);
          const d = op + (<usize>(oh * OW) << 2);
          let ow = 0;
          if (sw == 1) {
            for (; ow + 4 <= OW; ow += 4) {
              const q = d + (<usize>ow << 2);
              v128.store(q, f32x4.add(v128.load(q), f32x4.mul(wvec, v128.load(s + (<usize>ow << 2)))));
            }
          }
          for (; ow < OW; ow++) {
            const q = d + (<usize>ow << 2);
            store<f32>(q, load<f32>(q) + wv * load<f32>(s + (<usize>(ow * sw) << 2)));
          }
        }
      }
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
