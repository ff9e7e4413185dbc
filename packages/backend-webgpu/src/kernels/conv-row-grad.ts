/**
 * Conv2d weight gradient as a row-blocked direct reduction ("row" variants), the counterpart
 * of conv-row.ts for CPU adapters (SwiftShader). An invocation owns TM output channels x TC
 * input channels x one kernel row kh (every kw tap) and one slice of the (image, oh) rows. Per
 * output row it walks ow four at a time: one vec4 of dy per output channel and one input row
 * segment ((4-1)*sw + (KW-1)*dw + 1 values) per input channel, every tap reading the segment,
 * so the bounds checks are per segment value, not per tap. Lanes of a workgroup take
 * neighbouring slices (the same weights, different rows), so SIMD lanes never diverge on the
 * channel loops. Slices write partial sums that splitSumShader adds in slice order (S = 1
 * writes the result directly). KW, the column stride and dilation are baked into the source.
 */
import type { RowTaps } from './conv-row.js';
import { CONV_GEOMETRY } from './gemm-direct.js';

export interface RowGradConfig {
  /** Output channels per invocation. */
  tm: number;
  /** Input channels per invocation. */
  tc: number;
}

/** The weight-gradient row variants, by name. */
export const ROW_GRAD_CONFIGS = {
  g8x1: { tm: 8, tc: 1 },
  g4x2: { tm: 4, tc: 2 },
  g8x2: { tm: 8, tc: 2 },
  g4x4: { tm: 4, tc: 4 },
} as const satisfies Record<string, RowGradConfig>;
export type RowGradConfigName = keyof typeof ROW_GRAD_CONFIGS;

/** Slices one workgroup takes (its x size). */
export const ROW_GRAD_WG = 8;

/**
 * Params: [N, C, H, W, O, KH, KW, OH, OW, sh, sw, dh, dw, groups, xOff, dyOff, 0, outOff,
 * padTop, padLeft, S, rowsPerSlice, sliceStride]. Grid: x over ceil(S / 8) slice groups, y over
 * (output channel block, input channel block, kh), z over groups.
 */
export function rowWeightGradShader(c: RowGradConfig, t: RowTaps): string {
  const span = 3 * t.sw + (t.kw - 1) * t.dw + 1;
  const rep = (n: number, f: (i: number) => string, sep = ' ') =>
    Array.from({ length: n }, (_, i) => f(i)).join(sep);
  const acc = rep(c.tm * c.tc * t.kw, (k) => `var a${k} = 0.0;`);
  const idx = (i: number, j: number, kw: number) => (i * c.tc + j) * t.kw + kw;
  const body: string[] = [];
  body.push(
    rep(
      c.tm,
      (i) => `let d${i} = vec4<f32>(${rep(4, (r) => `select(0.0, Dy[dr${i} + cq${r}], dq${r})`, ', ')});`,
    ),
  );
  for (let j = 0; j < c.tc; j++) {
    body.push(rep(span, (s) => `let x${j}_${s} = select(0.0, X[xr${j} + ca${s}], ok${s});`));
    for (let kw = 0; kw < t.kw; kw++) {
      const v = rep(4, (r) => `x${j}_${r * t.sw + kw * t.dw}`, ', ');
      body.push(`{ let v = vec4<f32>(${v}); ${rep(c.tm, (i) => `a${idx(i, j, kw)} += dot(d${i}, v);`)} }`);
    }
  }
  const stores: string[] = [];
  for (let i = 0; i < c.tm; i++) {
    for (let j = 0; j < c.tc; j++) {
      for (let kw = 0; kw < t.kw; kw++) {
        stores.push(
          `if (m0 + ${i}u < Og && c0 + ${j}u < Cg) { O[oBase + (m0 + ${i}u) * K + (c0 + ${j}u) * KK + kh * KW + ${kw}u] = a${idx(i, j, kw)}; }`,
        );
      }
    }
  }
  return `@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<storage, read> X: array<f32>;
@group(0) @binding(3) var<storage, read> Dy: array<f32>;
@compute @workgroup_size(${ROW_GRAD_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  ${CONV_GEOMETRY}
  let K = Cg * KK; let S = P[20]; let g = wid.z;
  let s = wid.x * ${ROW_GRAD_WG}u + lid.x;
  if (s >= S) { return; }
  let cb = (Cg + ${c.tc - 1}u) / ${c.tc}u;
  let kh = wid.y % KH; let rest = wid.y / KH;
  let c0 = (rest % cb) * ${c.tc}u; let m0 = (rest / cb) * ${c.tm}u;
  ${acc}
  let R = P[0] * OH; let r0 = s * P[21]; let r1 = min(R, r0 + P[21]);
  for (var r = r0; r < r1; r++) {
    let n = r / OH; let oh = r % OH;
    let ih = i32(oh * sh + kh * dh) - ph;
    if (ih < 0 || ih >= i32(H)) { continue; }
    let xRow = P[14] + (n * C + g * Cg) * HW + u32(ih) * W;
    let dRow = P[15] + (n * P[4] + g * Og) * OHW + oh * OW;
    ${rep(c.tm, (i) => `let dr${i} = dRow + min(m0 + ${i}u, Og - 1u) * OHW;`)}
    ${rep(c.tc, (j) => `let xr${j} = xRow + min(c0 + ${j}u, Cg - 1u) * HW;`)}
    for (var ow0 = 0u; ow0 < OW; ow0 += 4u) {
      ${rep(4, (r) => `let dq${r} = ow0 + ${r}u < OW; let cq${r} = min(ow0 + ${r}u, OW - 1u);`)}
      let iw0 = i32(ow0 * sw) - pw;
      ${rep(span, (q) => `let cw${q} = iw0 + ${q}; let ok${q} = cw${q} >= 0 && cw${q} < i32(W); let ca${q} = u32(clamp(cw${q}, 0, i32(W) - 1));`)}
      ${body.join('\n      ')}
    }
  }
  let oBase = P[17] + s * P[22] + g * Og * K;
  ${stores.join('\n  ')}
}`;
}
