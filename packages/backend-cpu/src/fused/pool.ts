import type { Pool2dParams, View } from '@layers/core';
import { dataOf, f32, i32 } from '../buffers.js';

/**
 * 2-D max / average pooling over NCHW (contract: FusedKernels.pool2d). Max: the first
 * maximum wins, a NaN wins over everything (the first NaN), as the composed max + argmax.
 */
export function pool2d(
  x: View,
  out: View,
  indices: View | null,
  divisor: View | null,
  p: Pool2dParams,
): void {
  const [N, C, H, W] = x.shape;
  const [, , OH, OW] = out.shape;
  const [kh, kw] = p.kernel;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const xd = f32(x);
  const od = f32(out);
  const id = indices ? (dataOf(indices) as Int32Array) : null;
  const dd = divisor ? f32(divisor) : null;
  for (let plane = 0; plane < N * C; plane++) {
    const xb = x.offset + plane * H * W;
    const ob = plane * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        let best = Number.NEGATIVE_INFINITY;
        let arg = -1;
        let sum = 0;
        for (let i = 0; i < kh; i++) {
          const h = oh * sh - ph + i * dh;
          if (h < 0 || h >= H) continue;
          for (let j = 0; j < kw; j++) {
            const w = ow * sw - pw + j * dw;
            if (w < 0 || w >= W) continue;
            const v = xd[xb + h * W + w];
            if (p.mode === 'avg') sum += v;
            else if (arg < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
              best = v;
              arg = h * W + w;
            }
          }
        }
        const l = oh * OW + ow;
        // float32 sums, as the composed path's reduction stores them.
        od[out.offset + ob + l] = p.mode === 'avg' ? Math.fround(sum) / dd![divisor!.offset + l] : best;
        if (id) id[indices!.offset + ob + l] = arg;
      }
    }
  }
}

/**
 * The input gradient of pool2d (contract: FusedKernels.pool2dBackward), one plane at a time:
 * zero the plane, then add each window's gradient to its argmax (max) or, divided by the
 * window's divisor, to each of its input positions (avg).
 */
export function pool2dBackward(
  grad: View,
  indices: View | null,
  divisor: View | null,
  dx: View,
  p: Pool2dParams,
): void {
  const [N, C, OH, OW] = grad.shape;
  const [, , H, W] = dx.shape;
  const [kh, kw] = p.kernel;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const gd = f32(grad);
  const xd = f32(dx);
  const id = indices ? i32(indices) : null;
  const dd = divisor ? f32(divisor) : null;
  const L = OH * OW;
  xd.fill(0, dx.offset, dx.offset + N * C * H * W);
  for (let plane = 0; plane < N * C; plane++) {
    const gb = grad.offset + plane * L;
    const xb = dx.offset + plane * H * W;
    if (p.mode === 'max') {
      const ib = (indices?.offset ?? 0) + plane * L;
      for (let o = 0; o < L; o++) xd[xb + (id as Int32Array)[ib + o]] += gd[gb + o];
      continue;
    }
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const o = oh * OW + ow;
        const v = Math.fround(gd[gb + o] / (dd as Float32Array)[(divisor?.offset ?? 0) + o]);
        for (let i = 0; i < kh; i++) {
          const h = oh * sh - ph + i * dh;
          if (h < 0 || h >= H) continue;
          for (let j = 0; j < kw; j++) {
            const w = ow * sw - pw + j * dw;
            if (w >= 0 && w < W) xd[xb + h * W + w] += v;
          }
        }
      }
    }
  }
}
