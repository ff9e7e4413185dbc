/**
 * conv2d: depthwise convolutions run their own kernel; the others are GEMMs, over the input
 * itself (1x1, stride 1) or over im2col columns written in the GEMM's packed-B layout.
 */
import type { Conv2dParams, View } from '@layers/core';
import type { Dispatch } from '../dispatch.js';
import { isContiguous } from '../strided.js';
import { gemm, gemmRun } from './gemm.js';

/** @internal */
export function conv2d(d: Dispatch, x: View, w: View, bias: View | null, out: View, p: Conv2dParams): void {
  // The contract promises contiguous x and w; copy defensively rather than read garbage.
  if (!isContiguous(x.shape, x.strides)) {
    d.withContiguous(x, (ptr) => conv2d(d, d.contiguousView(x, ptr), w, bias, out, p));
    return;
  }
  if (!isContiguous(w.shape, w.strides)) {
    d.withContiguous(w, (ptr) => conv2d(d, x, d.contiguousView(w, ptr), bias, out, p));
    return;
  }
  const [N, C, H, W] = x.shape;
  const [O, Cg, kh, kw] = w.shape;
  const [, , OH, OW] = out.shape;
  const [sh, sw] = p.stride;
  const [dh, dw] = p.dilation;
  const g = p.groups;
  if (N * O * OH * OW === 0) return;
  const xp = d.addr(x);
  const wp = d.addr(w);
  const op = d.addr(out);
  const ohw = OH * OW;
  if (g === C && Cg === 1 && O % C === 0 && g > 1) {
    d.par(
      'depthwise',
      [xp, wp, op, C, H, W, O, kh, kw, sh, sw, dh, dw, OH, OW],
      N * O,
      N * O * ohw * kh * kw,
      1,
    );
  } else {
    const Og = O / g;
    const ck = Cg * kh * kw;
    const pointwise = kh === 1 && kw === 1 && sh === 1 && sw === 1;
    // im2col, written in the GEMM's packed-B layout, one chunk of images at a time so the
    // column buffer stays bounded (~32 MB).
    const panels = Math.ceil(ohw / 8);
    const perImage = panels * ck * 32;
    const chunk = pointwise ? N : Math.max(1, Math.min(N, Math.floor((32 << 20) / perImage)));
    const col = pointwise ? 0 : d.scratch(chunk * perImage);
    try {
      for (let n0 = 0; n0 < N; n0 += chunk) {
        const nb = Math.min(chunk, N - n0);
        for (let gi = 0; gi < g; gi++) {
          const a = wp + gi * Og * ck * 4;
          const o = op + (n0 * O * ohw + gi * Og * ohw) * 4;
          if (pointwise) {
            const bsrc = xp + (n0 * C * H * W + gi * Cg * H * W) * 4;
            gemm(d, a, 0, ck, 1, bsrc, nb, C * H * W, H * W, 1, o, O * ohw, nb, Og, ohw, ck);
          } else {
            d.par(
              'im2colPacked',
              [
                xp + n0 * C * H * W * 4,
                C * H * W,
                gi * Cg,
                Cg,
                H,
                W,
                kh,
                kw,
                sh,
                sw,
                dh,
                dw,
                OH,
                OW,
                col,
                perImage,
              ],
              nb * panels,
              nb * ck * ohw,
              1,
            );
            gemmRun(d, a, 0, ck, 1, [col, perImage, ck * 32, 32], o, O * ohw, nb, Og, ohw, ck);
          }
        }
      }
    } finally {
      if (col) d.free(col);
    }
  }
  if (bias) d.par('addBias', [op, d.addr(bias), O, ohw], N * O, N * O * ohw, 1);
}
