// 2-D max / average pooling over NCHW for output rows [lo, hi) (item = plane * OH + oh;
// contract: FusedKernels.pool2d). Max: the first maximum wins and a NaN wins over everything
// (the first NaN), as the composed max + argmax; the updates are branch-free (random data
// would mispredict a branch per element). idx and div are 0 when absent.
//
// Columns whose windows lie inside the row are computed four outputs at a time when the
// column stride is 1 or 2 (one or two vector loads per window element), the last four of
// them overlapping the previous group where needed; the edges, runs shorter than four and
// other strides take the scalar loop, which clips each window to the input.

// @ts-ignore: decorator
@inline function takes(v: v128, best: v128): v128 {
  // v > best, or v is NaN and best is not
  return v128.or(f32x4.gt(v, best), v128.andnot(f32x4.ne(v, v), f32x4.ne(best, best)));
}

// @ts-ignore: decorator
@inline function load4(p: usize, sw: i32): v128 {
  if (sw == 1) return v128.load(p);
  return i32x4.shuffle(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
}

/**
 * Four outputs of a pool whose windows are 2 wide at column stride 2 (w0: the first one's
 * first column; rows h0 + i * dh for i in [i0, i1)). Each window row's 8 floats are two
 * loads split into even and odd columns (taps j = 0 and 1 of the four windows): half the
 * loads and shuffles of the general vector loop. The max update keeps `best` where
 * v <= best or best is NaN (the same first-maximum, first-NaN rule as takes(), in two
 * compares). The average adds the taps in the general loop's order, so sums round alike.
 * Measured (1 thread, [64, 8, 28, 28] pooled by 2, kernel alone, CPU time, medians of 30):
 * values 0.38 -> 0.26 ms (f32x4.max, NaN-propagating, lowers to a long sequence on x64: the
 * compare-and-select form below is cheaper); with indices 0.49 -> 0.40 ms (noisy machine).
 */
// @ts-ignore: decorator
@inline function pairs2(
  xb: usize, o: usize, idx: usize, div: usize, isMax: bool, W: i32, h0: i32, i0: i32, i1: i32, dh: i32, w0: i32,
): void {
  if (isMax && !idx) {
    // Values only: wasm's max propagates NaN, which is all the first-NaN rule decides.
    let best = f32x4.splat(-Infinity);
    for (let i = i0; i < i1; i++) {
      const rp = xb + (<usize>((h0 + i * dh) * W + w0) << 2);
      const a = v128.load(rp);
      const b = v128.load(rp, 16);
      const even = i32x4.shuffle(a, b, 0, 2, 4, 6);
      const odd = i32x4.shuffle(a, b, 1, 3, 5, 7);
      best = v128.bitselect(even, best, v128.or(f32x4.gt(even, best), f32x4.ne(even, even)));
      best = v128.bitselect(odd, best, v128.or(f32x4.gt(odd, best), f32x4.ne(odd, odd)));
    }
    v128.store(o, best);
  } else if (isMax) {
    const lane = i32x4(0, 2, 4, 6);
    let best = f32x4.splat(-Infinity);
    let arg = i32x4.splat(-1);
    for (let i = i0; i < i1; i++) {
      const h = h0 + i * dh;
      const rp = xb + (<usize>(h * W + w0) << 2);
      const a = v128.load(rp);
      const b = v128.load(rp, 16);
      const even = i32x4.shuffle(a, b, 0, 2, 4, 6);
      const odd = i32x4.shuffle(a, b, 1, 3, 5, 7);
      const at = i32x4.add(i32x4.splat(h * W + w0), lane);
      if (i == i0) {
        // The window's first tap always stands (an all -inf window reports its position).
        best = even;
        arg = at;
      } else {
        const keep = v128.or(f32x4.le(even, best), f32x4.ne(best, best));
        best = v128.bitselect(best, even, keep);
        arg = v128.bitselect(arg, at, keep);
      }
      const keep = v128.or(f32x4.le(odd, best), f32x4.ne(best, best));
      best = v128.bitselect(best, odd, keep);
      arg = v128.bitselect(arg, i32x4.add(at, i32x4.splat(1)), keep);
    }
    v128.store(o, best);
    if (idx) v128.store(idx, arg);
  } else {
    let sum = f32x4.splat(0);
    for (let i = i0; i < i1; i++) {
      const rp = xb + (<usize>((h0 + i * dh) * W + w0) << 2);
      const a = v128.load(rp);
      const b = v128.load(rp, 16);
      sum = f32x4.add(f32x4.add(sum, i32x4.shuffle(a, b, 0, 2, 4, 6)), i32x4.shuffle(a, b, 1, 3, 5, 7));
    }
    v128.store(o, f32x4.div(sum, v128.load(div)));
  }
}

export function pool2d(
  x: usize, o: usize, idx: usize, div: usize, isMax: bool,
  H: i32, W: i32, OH: i32, OW: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  lo: i32, hi: i32,
): void {
  // Output columns whose whole window is inside [0, W): ow in [va, vb).
  const va = min(OW, (pw + sw - 1) / sw);
  const vb = max(va, min(OW, (W - 1 - (kw - 1) * dw + pw) / sw + 1));
  const vector = sw <= 2;
  // Width-2 windows at stride 2 (MaxPool2d(2), the common case): see pairs2.
  const pairs = kw == 2 && sw == 2 && dw == 1;
  for (let item = lo; item < hi; item++) {
    const plane = item / OH;
    const oh = item - plane * OH;
    const xb = x + ((<usize>plane * <usize>(H * W)) << 2);
    const h0 = oh * sh - ph;
    let i0 = 0;
    while (i0 < kh && h0 + i0 * dh < 0) i0++;
    let i1 = kh;
    while (i1 > i0 && h0 + (i1 - 1) * dh >= H) i1--;
    const orow = (<usize>item * <usize>OW) << 2;
    let ow = 0;
    while (ow < OW) {
      if (vector && ow >= va && ow < vb && vb - va >= 4) {
        // The last group of a run that is not a multiple of 4 steps back to end at vb and
        // writes a few outputs twice (the same values) instead of leaving them to the scalar
        // loop: for 7 outputs a row (14x14 pooled by 2), 2 groups instead of 1 and 3 scalars.
        if (ow + 4 > vb) ow = vb - 4;
        const w0 = ow * sw - pw;
        const q = orow + (<usize>ow << 2);
        if (pairs) {
          pairs2(xb, o + q, idx ? idx + q : 0, div ? div + (<usize>(oh * OW + ow) << 2) : 0, isMax, W, h0, i0, i1, dh, w0);
          ow += 4;
          continue;
        }
        if (isMax && !idx) {
          // Values only: wasm's max propagates NaN, which is all the first-NaN rule decides.
          let best = f32x4.splat(-Infinity);
          for (let i = i0; i < i1; i++) {
            const rp = xb + (<usize>((h0 + i * dh) * W) << 2);
            for (let j = 0; j < kw; j++) best = f32x4.max(best, load4(rp + (<usize>(w0 + j * dw) << 2), sw));
          }
          v128.store(o + q, best);
        } else if (isMax) {
          let best = f32x4.splat(-Infinity);
          let arg = i32x4.splat(-1);
          const lane = i32x4.mul(i32x4(0, 1, 2, 3), i32x4.splat(sw));
          for (let i = i0; i < i1; i++) {
            const h = h0 + i * dh;
            const rp = xb + (<usize>(h * W) << 2);
            for (let j = 0; j < kw; j++) {
              const w = w0 + j * dw;
              const v = load4(rp + (<usize>w << 2), sw);
              // The first element always replaces the -inf/-1 start, so an all -inf window
              // reports its first position.
              const t = i == i0 && j == 0 ? i32x4.splat(-1) : takes(v, best);
              best = v128.bitselect(v, best, t);
              arg = v128.bitselect(i32x4.add(i32x4.splat(h * W + w), lane), arg, t);
            }
          }
          v128.store(o + q, best);
          if (idx) v128.store(idx + q, arg);
        } else {
          let sum = f32x4.splat(0);
          for (let i = i0; i < i1; i++) {
            const rp = xb + (<usize>((h0 + i * dh) * W) << 2);
            for (let j = 0; j < kw; j++) sum = f32x4.add(sum, load4(rp + (<usize>(w0 + j * dw) << 2), sw));
          }
          v128.store(o + q, f32x4.div(sum, v128.load(div + (<usize>(oh * OW + ow) << 2))));
        }
        ow += 4;
        continue;
      }
      const w0 = ow * sw - pw;
      let j0 = 0;
      while (j0 < kw && w0 + j0 * dw < 0) j0++;
      let j1 = kw;
      while (j1 > j0 && w0 + (j1 - 1) * dw >= W) j1--;
      const q = orow + (<usize>ow << 2);
      if (isMax) {
        let best: f32 = -Infinity;
        let arg: i32 = -1;
        for (let i = i0; i < i1; i++) {
          const h = h0 + i * dh;
          const rp = xb + (<usize>(h * W) << 2);
          for (let j = j0; j < j1; j++) {
            const w = w0 + j * dw;
            const v = load<f32>(rp + (<usize>w << 2));
            const t = arg < 0 || v > best || (isNaN(v) && !isNaN(best));
            best = select<f32>(v, best, t);
            arg = select<i32>(h * W + w, arg, t);
          }
        }
        store<f32>(o + q, best);
        if (idx) store<i32>(idx + q, arg);
      } else {
        let sum: f32 = 0;
        for (let i = i0; i < i1; i++) {
          const rp = xb + (<usize>((h0 + i * dh) * W) << 2);
          for (let j = j0; j < j1; j++) sum += load<f32>(rp + (<usize>(w0 + j * dw) << 2));
        }
        store<f32>(o + q, sum / load<f32>(div + (<usize>(oh * OW + ow) << 2)));
      }
      ow++;
    }
  }
}
