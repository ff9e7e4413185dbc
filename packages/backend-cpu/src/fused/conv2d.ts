import type { Conv2dParams, View } from '@layers/core';
import { f32 } from '../buffers.js';
import { gemm, type Mask, type Mat, MR, stridedOffsets } from '../gemm.js';

/**
 * NCHW conv2d as implicit GEMM. Each (image, group) is one GEMM:
 * out[Og, OH*OW] = w[Og, Cg*kh*kw] @ im2col(x)[Cg*kh*kw, OH*OW], where im2col is never
 * materialised: the GEMM's B packing reads x through row/column offset tables, and the
 * padding is a mask on the same tables (taps outside x read zero; nothing is padded).
 * Groups with fewer output channels than a micro-tile (depthwise) use a direct loop instead.
 */
export function conv2d(x: View, w: View, bias: View | null, out: View, p: Conv2dParams): void {
  const s = shapes('conv2d', x, w, out, p);
  const xd = f32(x);
  const wd = f32(w);
  const od = f32(out);
  const { N, C, O, Cg, Og, Kc, OHW, HW } = s;
  if (Og < MR || OHW < 4) {
    direct(xd, x.offset, wd, w.offset, od, out.offset, s);
  } else {
    const t = taps(s);
    const A = (g: number): Mat => ({
      data: wd,
      base: w.offset + g * Og * Kc,
      rowOff: stridedOffsets(Og, Kc),
      colOff: stridedOffsets(Kc, 1),
    });
    for (let n = 0; n < N; n++) {
      for (let g = 0; g < s.groups; g++) {
        const B: Mat = { data: xd, base: x.offset + (n * C + g * Cg) * HW, ...t.im2col };
        gemm(Og, OHW, Kc, A(g), B, od, out.offset + (n * O + g * Og) * OHW, OHW);
      }
    }
  }
  if (bias) {
    const bd = f32(bias);
    for (let n = 0; n < N; n++) {
      for (let o = 0; o < O; o++) {
        const bv = bd[bias.offset + o * (bias.strides[0] ?? 1)];
        const start = out.offset + (n * O + o) * OHW;
        for (let i = start; i < start + OHW; i++) od[i] += bv;
      }
    }
  }
}

/** The geometry every conv2d kernel reads, checked against the views' shapes. */
export interface ConvShapes {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  Cg: number;
  kh: number;
  kw: number;
  OH: number;
  OW: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
  groups: number;
  Og: number;
  Kc: number;
  OHW: number;
  HW: number;
}

/** Shapes of a conv2d-family call: x [N, C, H, W], w [O, Cg, kh, kw], y [N, O, OH, OW]. */
export function shapes(name: string, x: View, w: View, y: View, p: Conv2dParams): ConvShapes {
  const [N, C, H, W] = x.shape;
  const [O, Cg, kh, kw] = w.shape;
  const [N2, O2, OH, OW] = y.shape;
  const groups = p.groups;
  if (C !== Cg * groups || O % groups !== 0 || O2 !== O || N2 !== N) {
    throw new RangeError(
      `cpu: ${name} shapes do not line up: input [${x.shape}], weight [${w.shape}], output [${y.shape}], groups=${groups}`,
    );
  }
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  return {
    N,
    C,
    H,
    W,
    O,
    Cg,
    kh,
    kw,
    OH,
    OW,
    sh,
    sw,
    ph,
    pw,
    dh,
    dw,
    groups,
    Og: O / groups,
    Kc: Cg * kh * kw,
    OHW: OH * OW,
    HW: H * W,
  };
}

/**
 * Offset tables of im2col(x) [Cg*kh*kw, OH*OW] for one (image, group), with the padding
 * mask when some tap can fall outside x; `pixels` are the same tables seen from the pixel
 * side (for the weight gradient, whose B is im2col transposed).
 */
export function taps(s: ConvShapes): {
  im2col: Omit<Mat, 'data' | 'base'>;
  pixels: Omit<Mat, 'data' | 'base'>;
} {
  const { Kc, OHW, kh, kw, dh, dw, ph, pw, sh, sw, OH, OW, H, W, HW } = s;
  const kRow = new Int32Array(Kc);
  const kH = new Int32Array(Kc);
  const kW = new Int32Array(Kc);
  for (let ci = 0, r = 0; ci < s.Cg; ci++) {
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++, r++) {
        kH[r] = ky * dh - ph;
        kW[r] = kx * dw - pw;
        kRow[r] = ci * HW + kH[r] * W + kW[r];
      }
    }
  }
  const jCol = new Int32Array(OHW);
  const jH = new Int32Array(OHW);
  const jW = new Int32Array(OHW);
  for (let oy = 0, c = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++, c++) {
      jH[c] = oy * sh;
      jW[c] = ox * sw;
      jCol[c] = jH[c] * W + jW[c];
    }
  }
  const inside =
    ph === 0 && pw === 0 && (OH - 1) * sh + (kh - 1) * dh < H && (OW - 1) * sw + (kw - 1) * dw < W;
  const mask: Mask | undefined = inside
    ? undefined
    : { rowH: kH, colH: jH, limH: H, rowW: kW, colW: jW, limW: W };
  const swapped: Mask | undefined = mask && { rowH: jH, colH: kH, limH: H, rowW: jW, colW: kW, limW: W };
  return {
    im2col: { rowOff: kRow, colOff: jCol, mask },
    pixels: { rowOff: jCol, colOff: kRow, mask: swapped },
  };
}

/** Direct convolution, float64 accumulation; used for depthwise and other thin groups. */
function direct(
  xd: Float32Array,
  xo: number,
  wd: Float32Array,
  wo: number,
  od: Float32Array,
  oo: number,
  s: ConvShapes,
): void {
  const { N, C, H, W, O, Cg, kh, kw, OH, OW, sh, sw, ph, pw, dh, dw, Og } = s;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const g = Math.floor(o / Og);
      const xBase = xo + (n * C + g * Cg) * H * W;
      const wBase = wo + o * Cg * kh * kw;
      let oi = oo + (n * O + o) * OH * OW;
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          let acc = 0;
          for (let ci = 0; ci < Cg; ci++) {
            const plane = xBase + ci * H * W;
            const wc = wBase + ci * kh * kw;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * sh - ph + ky * dh;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * sw - pw + kx * dw;
                if (ix >= 0 && ix < W) acc += xd[plane + iy * W + ix] * wd[wc + ky * kw + kx];
              }
            }
          }
          od[oi++] = acc;
        }
      }
    }
  }
}
