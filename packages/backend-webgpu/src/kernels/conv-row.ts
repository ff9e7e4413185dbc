/**
 * Conv2d forward as row-blocked direct convolution ("row" variants), for adapters whose
 * workgroups are CPU threads (SwiftShader). Each invocation owns TM output channels x TW
 * consecutive output columns of one output row. For every (kh, ci) it loads the input row
 * segment those TW columns read once ((TW-1)*sw + (KW-1)*dw + 1 values) and reuses it for all
 * KW taps, and the column masks and clamped addresses are computed once per invocation, the
 * row mask once per kh: the implicit-GEMM direct kernel (gemm-direct.ts) instead recomputes
 * a division-free but long address-and-bounds chain for every tap of every column, which on
 * SwiftShader costs more than the FMAs. KW, the column stride and dilation are baked into the
 * source (they shape the unrolled tap loop); every other size is a parameter, so one pipeline
 * serves every layer with the same kernel width. No workgroup memory and no barrier.
 */
import { CONV_GEOMETRY } from './gemm-direct.js';

export interface RowConfig {
  /** Output channels per invocation. */
  tm: number;
  /** Consecutive output columns per invocation (multiple of 4: one vec4 accumulator each). */
  tw: number;
  /** Workgroup shape (x over column tiles, y over channel blocks). */
  wg: readonly [number, number];
}

/** The row variants, by name. */
export const ROW_CONFIGS = {
  // Measured on SwiftShader (ms per op, b8 32->64 32x32 / b64 8->16 14x14 / b64 1->8 28x28):
  // w4x8 560/101/82, w8x8 603/92/71, w16x8 580/82/150, w8x4 ~1.1x w8x8; w4x4, w16x4 and
  // w8x16 were never better than these and are left out (fewer pipelines to tune).
  w4x8: { tm: 4, tw: 8, wg: [8, 1] },
  w8x4: { tm: 8, tw: 4, wg: [16, 1] },
  w8x8: { tm: 8, tw: 8, wg: [8, 1] },
  w16x8: { tm: 16, tw: 8, wg: [8, 1] },
} as const satisfies Record<string, RowConfig>;
export type RowConfigName = keyof typeof ROW_CONFIGS;

/**
 * The starter row block, 8 outputs per invocation: a class's first forward calls run it
 * while the chosen block compiles in the background (ops/gemm.ts startVariant); not a tuning
 * candidate. SwiftShader compile of the CNN's 3x1x1 pipeline (loaded machine): w8x4 1.0-1.3
 * s, 4x4 outputs 0.67-0.76 s, this 0.34-0.36 s, 1x4 0.25-0.34 s; the digit CNN's first
 * forward read back in 2.1-2.2 s, 1.9 s and 2.1 s with those three starters.
 */
export const ROW_STARTER = 'w2x4';
const ROW_STARTER_CONFIG: RowConfig = { tm: 2, tw: 4, wg: [16, 1] };

/** A row block by name, the starter included. */
export function rowConfig(name: string): RowConfig {
  return name === ROW_STARTER ? ROW_STARTER_CONFIG : ROW_CONFIGS[name as RowConfigName];
}

/** Output channels and column tiles one workgroup covers. */
export function rowSpan(c: RowConfig): [number, number] {
  return [c.tm * c.wg[1], c.wg[0]];
}

/** The baked part of a row shader: kernel width, column stride and column dilation. */
export interface RowTaps {
  kw: number;
  sw: number;
  dw: number;
  /**
   * Read the weights as the input gradient's convolution does: rows are the weight's input
   * channels, columns its output channels, taps reversed (W[ci, m, KH-1-kh, KW-1-kw]).
   */
  flip?: boolean;
}

/**
 * Params as directConvShader's: [N, C, H, W, O, KH, KW, OH, OW, sh, sw, dh, dw, groups, xOff,
 * wOff, bOff, outOff, padTop, padLeft] (with `flip`, the input gradient's: x is dy, O is C
 * and C is O, the output sizes are the input's, padding (K-1)*d - p). Grid: x over N*OH*ceil(OW/TW) column tiles, y over
 * channel blocks of one group, z over groups.
 */
export function rowConvShader(c: RowConfig, t: RowTaps, hasBias: boolean): string {
  const [wx, wy] = c.wg;
  const span = (c.tw - 1) * t.sw + (t.kw - 1) * t.dw + 1;
  const tq = c.tw / 4;
  const lines = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(' ');
  const cols = lines(
    span,
    (s) =>
      `let cw${s} = iw0 + ${s}; let cok${s} = cw${s} >= 0 && cw${s} < i32(W); let ca${s} = u32(clamp(cw${s}, 0, i32(W) - 1));`,
  );
  const rows = lines(c.tm, (i) => `let wR${i} = wBase + min(m0 + ${i}u, Og - 1u) * ${t.flip ? 'KK' : 'K'};`);
  const decl = lines(c.tm * tq, (k) => `var c${Math.floor(k / tq)}_${k % tq} = vec4<f32>(0.0);`);
  const oks = lines(span, (s) => `let ok${s} = rok && cok${s};`);
  const loads = lines(span, (s) => `let x${s} = select(0.0, X[xa + ca${s}], ok${s});`);
  const fmas: string[] = [];
  for (let kw = 0; kw < t.kw; kw++) {
    // Column j of the tile at tap kw reads span entry j*sw + kw*dw.
    const bv = Array.from({ length: tq }, (_, q) => {
      const e = [0, 1, 2, 3].map((r) => `x${(q * 4 + r) * t.sw + kw * t.dw}`);
      return `let b${kw}_${q} = vec4<f32>(${e.join(', ')});`;
    });
    fmas.push(bv.join(' '));
    for (let i = 0; i < c.tm; i++) {
      const acc = Array.from({ length: tq }, (_, q) => `c${i}_${q} = fma(a, b${kw}_${q}, c${i}_${q});`);
      fmas.push(`{ let a = vec4<f32>(Wt[wR${i} + wk ${t.flip ? '-' : '+'} ${kw}u]); ${acc.join(' ')} }`);
    }
  }
  const stores: string[] = [];
  for (let i = 0; i < c.tm; i++) {
    const bias = hasBias ? ` + Bias[P[16] + g * Og + m0 + ${i}u]` : '';
    for (let j = 0; j < c.tw; j++) {
      stores.push(
        `if (m0 + ${i}u < Og && ow0 + ${j}u < OW) { O[oRow + (m0 + ${i}u) * OHW + ${j}u] = c${i}_${Math.floor(j / 4)}[${j % 4}]${bias}; }`,
      );
    }
  }
  return `@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<storage, read> X: array<f32>;
@group(0) @binding(3) var<storage, read> Wt: array<f32>;
${hasBias ? '@group(0) @binding(4) var<storage, read> Bias: array<f32>;' : ''}
@compute @workgroup_size(${wx}, ${wy})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  ${CONV_GEOMETRY}
  let K = Cg * KK; let OWT = (OW + ${c.tw - 1}u) / ${c.tw}u; let tiles = P[0] * OH * OWT;
  let tr = wid.x * ${wx}u + lid.x;
  if (tr >= tiles) { return; }
  let g = wid.z; let m0 = (wid.y * ${wy}u + lid.y) * ${c.tm}u;
  let owt = tr % OWT; let r = tr / OWT; let oh = r % OH; let n = r / OH; let ow0 = owt * ${c.tw}u;
  let xBase = P[14] + (n * C + g * Cg) * HW; let wBase = P[15] + g * Og * K;
  let iw0 = i32(ow0 * sw) - pw; let ih0 = i32(oh * sh) - ph;
  ${cols}
  ${rows}
  ${decl}
  for (var kh = 0u; kh < KH; kh++) {
    let rh = ih0 + i32(kh * dh); let rok = rh >= 0 && rh < i32(H);
    ${oks}
    var xa = xBase + u32(clamp(rh, 0, i32(H) - 1)) * W; var wk = ${t.flip ? '(KH - 1u - kh) * KW + KW - 1u' : 'kh * KW'};
    for (var ci = 0u; ci < Cg; ci++) {
      ${loads}
      ${fmas.join('\n      ')}
      xa += HW; wk += ${t.flip ? 'Og * KK' : 'KK'};
    }
  }
  let oRow = P[17] + (n * P[4] + g * Og) * OHW + oh * OW + ow0;
  ${stores.join('\n  ')}
}`;
}
