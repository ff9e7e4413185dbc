import type { Conv2dParams, View } from '@layers/core';
import { f32 } from '../buffers.js';
import { gemm, type Mat, stridedOffsets } from '../gemm.js';
import { type ConvShapes, shapes, taps } from './conv2d.js';

/**
 * dw[g] [Og, Cg*kh*kw] = sum over images of dy[n, g] [Og, OH*OW] @ im2col(x[n, g])^T, one
 * accumulating GEMM per (image, group) whose B packing reads x through the index map.
 */
export function conv2dWeightGrad(x: View, dy: View, dw: View, p: Conv2dParams): void {
  const s = shapes('conv2dWeightGrad', x, dw, dy, p);
  const { N, C, O, Cg, Og, Kc, OHW, HW } = s;
  const xd = f32(x);
  const yd = f32(dy);
  const wd = f32(dw);
  const t = taps(s).pixels;
  const aRow = stridedOffsets(Og, OHW);
  const aCol = stridedOffsets(OHW, 1);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < s.groups; g++) {
      const A: Mat = { data: yd, base: dy.offset + (n * O + g * Og) * OHW, rowOff: aRow, colOff: aCol };
      const B: Mat = { data: xd, base: x.offset + (n * C + g * Cg) * HW, ...t };
      gemm(Og, Kc, OHW, A, B, wd, dw.offset + g * Og * Kc, Kc, n > 0);
    }
  }
}

/**
 * dx = conv^T(dy, w). Stride 1: per (image, group) one GEMM dx[Cg, H*W] =
 * w^T [Cg, Og*kh*kw] @ B, B[(o, i, j), (h, w)] = dy[o][h + ph - i*dh][w + pw - j*dw] read
 * through offset tables and a mask (a full correlation, no col2im). Larger strides leave
 * most of that B zero, so they form the columns w^T dy of one image and add them back
 * (col2im) instead.
 */
export function conv2dInputGrad(dy: View, w: View, dx: View, p: Conv2dParams): void {
  const s = shapes('conv2dInputGrad', dx, w, dy, p);
  const ops: Operands = { yd: f32(dy), yo: dy.offset, wd: f32(w), wo: w.offset, xd: f32(dx), xo: dx.offset };
  if (s.sh === 1 && s.sw === 1) correlate(ops, s);
  else strided(ops, s);
}

/** dy, w and dx of an input-gradient call: arrays and element offsets. */
interface Operands {
  yd: Float32Array;
  yo: number;
  wd: Float32Array;
  wo: number;
  xd: Float32Array;
  xo: number;
}

function correlate({ yd, yo, wd, wo, xd, xo }: Operands, s: ConvShapes): void {
  const { N, C, H, W, O, Cg, Og, Kc, kh, kw, dh, dw, ph, pw, OH, OW, OHW, HW } = s;
  const khw = kh * kw;
  const K = Og * khw;
  const aRow = stridedOffsets(Cg, khw);
  const aCol = new Int32Array(K);
  const bRow = new Int32Array(K);
  const rowH = new Int32Array(K);
  const rowW = new Int32Array(K);
  for (let o = 0, r = 0; o < Og; o++) {
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++, r++) {
        aCol[r] = o * Kc + ky * kw + kx;
        rowH[r] = ph - ky * dh;
        rowW[r] = pw - kx * dw;
        bRow[r] = o * OHW + rowH[r] * OW + rowW[r];
      }
    }
  }
  const bCol = new Int32Array(HW);
  const colH = new Int32Array(HW);
  const colW = new Int32Array(HW);
  for (let iy = 0, c = 0; iy < H; iy++) {
    for (let ix = 0; ix < W; ix++, c++) {
      colH[c] = iy;
      colW[c] = ix;
      bCol[c] = iy * OW + ix;
    }
  }
  const mask = { rowH, colH, limH: OH, rowW, colW, limW: OW };
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < s.groups; g++) {
      const A: Mat = { data: wd, base: wo + g * Og * Kc, rowOff: aRow, colOff: aCol };
      const B: Mat = { data: yd, base: yo + (n * O + g * Og) * OHW, rowOff: bRow, colOff: bCol, mask };
      gemm(Cg, HW, K, A, B, xd, xo + (n * C + g * Cg) * HW, HW);
    }
  }
}

function strided({ yd, yo, wd, wo, xd, xo }: Operands, s: ConvShapes): void {
  const { N, C, H, W, O, Cg, Og, Kc, kh, kw, sh, sw, dh, dw, ph, pw, OH, OW, OHW, HW } = s;
  const cols = new Float32Array(Kc * OHW);
  const A = (g: number): Mat => ({
    data: wd,
    base: wo + g * Og * Kc,
    rowOff: stridedOffsets(Kc, 1),
    colOff: stridedOffsets(Og, Kc),
  });
  const bRow = stridedOffsets(Og, OHW);
  const bCol = stridedOffsets(OHW, 1);
  xd.fill(0, xo, xo + N * C * HW);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < s.groups; g++) {
      const B: Mat = { data: yd, base: yo + (n * O + g * Og) * OHW, rowOff: bRow, colOff: bCol };
      gemm(Kc, OHW, Og, A(g), B, cols, 0, OHW);
      // col2im: column row (c, i, j) at pixel (oh, ow) belongs to x[c][oh*sh - ph + i*dh][...].
      for (let r = 0; r < Kc; r++) {
        const c = Math.floor(r / (kh * kw));
        const ky = Math.floor(r / kw) % kh;
        const kx = r % kw;
        const plane = xo + (n * C + g * Cg + c) * HW;
        for (let oy = 0; oy < OH; oy++) {
          const iy = oy * sh - ph + ky * dh;
          if (iy < 0 || iy >= H) continue;
          const src = r * OHW + oy * OW;
          for (let ox = 0; ox < OW; ox++) {
            const ix = ox * sw - pw + kx * dw;
            if (ix >= 0 && ix < W) xd[plane + iy * W + ix] += cols[src + ox];
          }
        }
      }
    }
  }
}
