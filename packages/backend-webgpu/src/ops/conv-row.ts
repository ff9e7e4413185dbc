/**
 * The row variants' side of conv2d dispatch (kernels/conv-row.ts, conv-row-grad.ts): which
 * fit a geometry, their padding, the heuristic's pick, and the weight gradient's dispatches.
 */
import { grid, u32s } from '../kernels/common.js';
import { ROW_CONFIGS, type RowConfigName } from '../kernels/conv-row.js';
import {
  ROW_GRAD_CONFIGS,
  ROW_GRAD_WG,
  type RowGradConfigName,
  rowWeightGradShader,
} from '../kernels/conv-row-grad.js';
import { splitSumShader } from '../kernels/gemm-direct.js';
import { pickGemmConfig } from '../kernels/matmul.js';
import type { DispatchSpec } from '../runtime.js';
import { pickDirect, waste } from './gemm.js';

export const ROWS = Object.keys(ROW_CONFIGS) as RowConfigName[];
export const ROW_GRADS = Object.keys(ROW_GRAD_CONFIGS) as RowGradConfigName[];
/** Longest input row segment a row variant may keep in registers (wide strides/dilations). */
export const MAX_SPAN = 24;

/**
 * The row variant with the least padding, then 32 outputs per invocation, then more channels.
 * Bigger blocks ran a little faster warm but compile much longer, which the first op pays
 * (SwiftShader, b64 8->16 14x14: w8x4 2.1 s compile, w16x8 8.4 s and 1.2x faster warm); the
 * tuner still times them.
 */
export function pickRow(fits: (n: RowConfigName) => boolean, rowWaste: (n: RowConfigName) => number) {
  let best: RowConfigName | null = null;
  let key = [Number.POSITIVE_INFINITY, 0, 0];
  for (const name of ROWS) {
    if (!fits(name)) continue;
    const c = ROW_CONFIGS[name];
    const k = [Math.round(rowWaste(name) * 8) / 8, Math.abs(Math.log2((c.tm * c.tw) / 32)), -c.tm];
    if (k[0] < key[0] || (k[0] === key[0] && (k[1] < key[1] || (k[1] === key[1] && k[2] < key[2])))) {
      [key, best] = [k, name];
    }
  }
  return best;
}

/**
 * The conv2d forward variant when nothing was measured. CPU adapters take the row kernel that
 * pickRow chooses; GPUs the tiled implicit GEMM where the windows fit, else the direct block.
 */
export function conv2dHeuristic(
  cpu: boolean,
  tiledFits: boolean,
  Og: number,
  NP: number,
  g: number,
  rowFits: (n: RowConfigName) => boolean,
  rowWaste: (n: RowConfigName) => number,
): string {
  const best = cpu ? pickRow(rowFits, rowWaste) : null;
  if (best) return `w:${best}`;
  return !cpu && tiledFits ? `t:${pickGemmConfig(g, Og, NP)}` : `d:${pickDirect(Og, NP)}`;
}

/** Whether a weight-gradient row variant fits (its row segment) the column stride and dilation. */
export function rowGradFits(KW: number, sw: number, dw: number): boolean {
  return 3 * sw + (KW - 1) * dw + 1 <= MAX_SPAN;
}

/** The weight-gradient row variant with the least channel padding, then the largest block. */
export function pickRowGrad(Og: number, Cg: number): RowGradConfigName {
  let best: RowGradConfigName = 'g8x1';
  let key = [Number.POSITIVE_INFINITY, 0];
  for (const name of ROW_GRADS) {
    const c = ROW_GRAD_CONFIGS[name];
    const k = [Math.round(waste(Og, Cg, c.tm, c.tc) * 8) / 8, -c.tm * c.tc];
    if (k[0] < key[0] || (k[0] === key[0] && k[1] < key[1])) [key, best] = [k, name];
  }
  return best;
}

export interface RowGradGeometry {
  N: number;
  O: number;
  Og: number;
  Cg: number;
  K: number;
  KH: number;
  KW: number;
  OH: number;
  g: number;
  sw: number;
  dw: number;
  /** The conv geometry head (geometry() in conv.ts). */
  head: readonly number[];
  padding: readonly [number, number];
  maxDim: number;
}

/**
 * The weight gradient's row dispatches: slices of (image, oh) rows, enough that the grid holds
 * ~2048 invocations (SwiftShader runs a few hundred at once per core), summed by splitSum.
 */
export function rowWeightGradSpecs(
  name: RowGradConfigName,
  d: RowGradGeometry,
  bufs: readonly (GPUBuffer | null)[],
  offsets: { x: number; dy: number; out: number },
  part: (n: number) => GPUBuffer,
): DispatchSpec[] {
  const cfg = ROW_GRAD_CONFIGS[name];
  const R = d.N * d.OH;
  const gy = Math.ceil(d.Og / cfg.tm) * Math.ceil(d.Cg / cfg.tc) * d.KH;
  let S = Math.max(1, Math.min(R, 512, Math.ceil(2048 / (gy * d.g))));
  const chunk = Math.ceil(R / S);
  S = Math.ceil(R / chunk);
  const gx = Math.ceil(S / ROW_GRAD_WG);
  if (gy > d.maxDim || gx > d.maxDim || d.g > d.maxDim) {
    throw new Error('@layers/backend-webgpu: conv2d weight gradient too large for one dispatch');
  }
  const total = d.O * d.K;
  const dst = S > 1 ? part(S * total) : (bufs[0] as GPUBuffer);
  const bind = [dst, bufs[1], bufs[2]].map((b, i) => ({ buffer: b as GPUBuffer, write: i === 0 }));
  const specs: DispatchSpec[] = [
    {
      key: `convgww|${name}|${d.KW}x${d.sw}x${d.dw}`,
      source: () => rowWeightGradShader(cfg, { kw: d.KW, sw: d.sw, dw: d.dw }),
      bindings: bind,
      params: u32s([
        ...d.head,
        offsets.x,
        offsets.dy,
        0,
        S > 1 ? 0 : offsets.out,
        ...d.padding,
        S,
        chunk,
        S > 1 ? total : 0,
      ]),
      workgroups: [gx, gy, d.g],
    },
  ];
  if (S > 1) {
    specs.push({
      key: 'mm-splitsum',
      source: splitSumShader,
      bindings: [
        { buffer: bufs[0] as GPUBuffer, write: true },
        { buffer: dst, write: false },
      ],
      params: u32s([total, S, offsets.out]),
      workgroups: grid(Math.ceil(total / 64), d.maxDim),
    });
  }
  return specs;
}
