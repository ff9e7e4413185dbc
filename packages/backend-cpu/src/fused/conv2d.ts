import type { Conv2dParams, View } from '@layers/core';
import { f32 } from '../buffers.js';
import { gemm, MR, stridedOffsets } from '../gemm.js';

/**
 * NCHW conv2d (padding already applied by core). Each (image, group) is one GEMM:
 * out[Og, OH*OW] = w[Og, Cg*kh*kw] @ im2col(x)[Cg*kh*kw, OH*OW], where im2col is never
 * materialised: the GEMM's B packing reads x through row/column offset tables. Groups with
 * fewer output channels than a micro-tile (depthwise) use a direct loop instead.
 */
export function conv2d(x: View, w: View, bias: View | null, out: View, p: Conv2dParams): void {
  const [N, C, H, W] = x.shape;
  const [O, Cg, kh, kw] = w.shape;
  const [, , OH, OW] = out.shape;
  const [sh, sw] = p.stride;
  const [dh, dw] = p.dilation;
  const groups = p.groups;
  if (C !== Cg * groups || O % groups !== 0) {
    throw new RangeError(`cpu: conv2d channels C=${C}, weight [${w.shape}], groups=${groups} do not line up`);
  }
  if (
    OH !== Math.floor((H - dh * (kh - 1) - 1) / sh) + 1 ||
    OW !== Math.floor((W - dw * (kw - 1) - 1) / sw) + 1
  ) {
    throw new RangeError(`cpu: conv2d output [${out.shape}] does not match input [${x.shape}] and kernel`);
  }
  const xd = f32(x);
  const wd = f32(w);
  const od = f32(out);
  const bd = bias ? f32(bias) : null;
  const Og = O / groups;
  const Kc = Cg * kh * kw;
  const OHW = OH * OW;
  const HW = H * W;

  if (Og < MR || OHW < 4) {
    direct(xd, x.offset, wd, w.offset, od, out.offset, N, C, H, W, O, Cg, kh, kw, OH, OW, sh, sw, dh, dw, Og);
  } else {
    const aRow = stridedOffsets(Og, Kc);
    const aCol = stridedOffsets(Kc, 1);
    const bRow = new Int32Array(Kc);
    for (let ci = 0, r = 0; ci < Cg; ci++) {
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) bRow[r++] = ci * HW + ky * dh * W + kx * dw;
      }
    }
    const bCol = new Int32Array(OHW);
    for (let oy = 0, c = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) bCol[c++] = oy * sh * W + ox * sw;
    }
    for (let n = 0; n < N; n++) {
      for (let g = 0; g < groups; g++) {
        gemm(
          Og,
          OHW,
          Kc,
          { data: wd, base: w.offset + g * Og * Kc, rowOff: aRow, colOff: aCol },
          { data: xd, base: x.offset + (n * C + g * Cg) * HW, rowOff: bRow, colOff: bCol },
          od,
          out.offset + (n * O + g * Og) * OHW,
          OHW,
        );
      }
    }
  }
  if (bd && bias) {
    for (let n = 0; n < N; n++) {
      for (let o = 0; o < O; o++) {
        const bv = bd[bias.offset + o * (bias.strides[0] ?? 1)];
        const start = out.offset + (n * O + o) * OHW;
        for (let i = start; i < start + OHW; i++) od[i] += bv;
      }
    }
  }
}

/** Direct convolution, float64 accumulation; used for depthwise and other thin groups. */
function direct(
  xd: Float32Array,
  xo: number,
  wd: Float32Array,
  wo: number,
  od: Float32Array,
  oo: number,
  N: number,
  C: number,
  H: number,
  W: number,
  O: number,
  Cg: number,
  kh: number,
  kw: number,
  OH: number,
  OW: number,
  sh: number,
  sw: number,
  dh: number,
  dw: number,
  Og: number,
): void {
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const g = Math.floor(o / Og);
      const xBase = xo + (n * C + g * Cg) * H * W;
      const wBase = wo + o * Cg * kh * kw;
      let oi = oo + (n * O + o) * OH * OW;
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          let s = 0;
          let wi = wBase;
          for (let ci = 0; ci < Cg; ci++) {
            const xc = xBase + ci * H * W + oy * sh * W + ox * sw;
            for (let ky = 0; ky < kh; ky++) {
              const xr = xc + ky * dh * W;
              for (let kx = 0; kx < kw; kx++) s += xd[xr + kx * dw] * wd[wi++];
            }
          }
          od[oi++] = s;
        }
      }
    }
  }
}
