/**
 * conv2d and its two gradients. The forward has the shared-memory tiled variants (which need
 * a padded input; they are candidates only when the padding is zero) and the direct ones
 * (implicit padding); the gradients are direct. The row variants (ops/conv-row.ts) serve all
 * three and are the heuristic on CPU adapters. Every choice goes through the tuner.
 */
import type { Conv2dParams, View } from '@layers/core';
import { grid, u32s } from '../kernels/common.js';
import { convInputGradShader, convWeightGradShader } from '../kernels/conv-grad.js';
import {
  ROW_CONFIGS,
  ROW_STARTER,
  type RowConfigName,
  rowConfig,
  rowConvShader,
  rowSpan,
} from '../kernels/conv-row.js';
import type { RowGradConfigName } from '../kernels/conv-row-grad.js';
import {
  DIRECT_CONFIGS,
  type DirectConfigName,
  directConvShader,
  directSpan,
  splitSumShader,
} from '../kernels/gemm-direct.js';
import { conv2dShader, GEMM_CONFIGS, type GemmConfigName } from '../kernels/matmul.js';
import type { Binding, DispatchSpec, Runtime } from '../runtime.js';
import { scratch, timeSpecs } from '../tuning/measure.js';
import { bucket } from '../tuning/tuner.js';
import {
  conv2dHeuristic,
  MAX_SPAN,
  pickRow,
  pickRowGrad,
  ROW_GRADS,
  ROWS,
  rowGradFits,
  rowWeightGradSpecs,
} from './conv-row.js';
import { BLOCKS, type GemmContext, pickDirect, startVariant, TILES, waste } from './gemm.js';

const prefix = '@layers/backend-webgpu';

/** Every conv2d forward variant name (tests run each). */
export const CONV_VARIANTS: readonly string[] = [
  ...TILES.map((t) => `t:${t}`),
  ...BLOCKS.map((b) => `d:${b}`),
  ...ROWS.map((b) => `w:${b}`),
  `w:${ROW_STARTER}`,
];
/** Every direct conv2d gradient variant name (both gradients have them). */
export const CONV_GRAD_VARIANTS: readonly string[] = BLOCKS.map((b) => `d:${b}`);
/** Every conv2d weight gradient variant name (the row ones need KW taps of a short segment). */
export const CONV_WEIGHT_GRAD_VARIANTS: readonly string[] = [
  ...CONV_GRAD_VARIANTS,
  ...ROW_GRADS.map((b) => `w:${b}`),
];
/** Every conv2d input gradient variant name (the row ones need unit stride). */
export const CONV_INPUT_GRAD_VARIANTS: readonly string[] = [
  ...CONV_GRAD_VARIANTS,
  ...ROWS.map((b) => `w:${b}`),
];

type Bufs = readonly (GPUBuffer | null)[];

/**
 * Pick (or tune) a variant and dispatch it; `specs` builds the dispatches on any buffers.
 * `starter`, where given, runs instead while the pick's pipelines compile in the background.
 */
function run(
  ctx: GemmContext,
  cls: string,
  candidates: readonly string[],
  heuristic: string,
  sizes: readonly number[],
  real: Bufs,
  specs: (v: string, bufs: Bufs, offs: boolean, part: (n: number) => GPUBuffer) => DispatchSpec[],
  starter: string | null = null,
): void {
  const rt = ctx.runtime;
  const variant =
    ctx.override ??
    ctx.tuner.pick(cls, candidates, heuristic, () => async (v) => {
      const s = scratch(rt.device, sizes);
      const extra: GPUBuffer[] = [];
      const part = (n: number) => {
        const p = scratch(rt.device, [n]).bufs[0];
        extra.push(p);
        return p;
      };
      try {
        const bufs = real.map((b, i) => (b ? s.bufs[i] : null));
        return await timeSpecs(rt, specs(v, bufs, false, part));
      } finally {
        s.destroy();
        for (const b of extra) b.destroy();
      }
    });
  let temp: ReturnType<Runtime['allocate']> | null = null;
  const part = (n: number) => {
    temp = rt.allocate(n);
    return temp.gpu;
  };
  // Probing readiness needs only keys and binding signatures: the output stands in for scratch.
  const probe = (v: string) => specs(v, real, true, () => real[0] as GPUBuffer);
  const use = ctx.override || !starter ? variant : startVariant(rt, variant, probe, starter);
  for (const spec of specs(use, real, true, part)) rt.dispatch(spec);
  // Queue order keeps the scratch valid for the dispatches above after it is released.
  if (temp) rt.release(temp);
}

function bindings(bufs: Bufs): Binding[] {
  const out: Binding[] = [];
  bufs.forEach((b, i) => {
    if (b) out.push({ buffer: b, write: i === 0 });
  });
  return out;
}

function geometry(x: readonly number[], w: readonly number[], out: readonly number[], p: Conv2dParams) {
  const [N, C, H, W] = x;
  const [O, , KH, KW] = w;
  const [, , OH, OW] = out;
  const head = [
    N,
    C,
    H,
    W,
    O,
    KH,
    KW,
    OH,
    OW,
    p.stride[0],
    p.stride[1],
    p.dilation[0],
    p.dilation[1],
    p.groups,
  ];
  return { N, C, H, W, O, KH, KW, OH, OW, g: p.groups, head };
}

/** Conv2d via implicit GEMM (tiled or direct), bias added in the epilogue. */
export function conv2dOp(
  ctx: GemmContext,
  x: View,
  w: View,
  bias: View | null,
  out: View,
  p: Conv2dParams,
  bind: (v: View) => GPUBuffer,
): void {
  const maxDim = ctx.runtime.limits.maxComputeWorkgroupsPerDimension;
  const { N, C, H, W, O, KH, KW, OH, OW, g, head } = geometry(x.shape, w.shape, out.shape, p);
  if (g > maxDim) throw new Error(`${prefix}: conv2d with ${g} groups is too large for one dispatch`);
  const Og = O / g;
  const NP = N * OH * OW;
  const K = (C / g) * KH * KW;
  const [ph, pw] = p.padding ?? [0, 0];
  // The tiled shader has no bounds checks: only when every window lies inside the input.
  const tiledFits =
    ph === 0 &&
    pw === 0 &&
    H >= (OH - 1) * p.stride[0] + p.dilation[0] * (KH - 1) + 1 &&
    W >= (OW - 1) * p.stride[1] + p.dilation[1] * (KW - 1) + 1;
  const sw = p.stride[1];
  const dw = p.dilation[1];
  const rowFits = (name: string) => (rowConfig(name).tw - 1) * sw + (KW - 1) * dw + 1 <= MAX_SPAN;
  // Row variants pad the columns to whole tiles of each output row as well as the grid.
  const rowWaste = (name: RowConfigName) => {
    const cfg = ROW_CONFIGS[name];
    const owt = Math.ceil(OW / cfg.tw);
    const [r, c] = rowSpan(cfg);
    return waste(Og, N * OH * owt, r, c) * ((owt * cfg.tw) / OW);
  };
  const heuristic = conv2dHeuristic(ctx.cpuAdapter, tiledFits, Og, NP, g, rowFits, rowWaste);
  const rowsOnly = ctx.cpuAdapter && heuristic.startsWith('w:');
  const candidates = CONV_VARIANTS.filter((v) => {
    const [kind, name] = v.split(':');
    if (v === heuristic) return true;
    if (v === `w:${ROW_STARTER}`) return false;
    // CPU adapters: the direct blocks ran 4-6x slower than the row ones and took ~10x longer to
    // compile (SwiftShader, b64 8->16 14x14: d:d4x8 23.8 s vs w:w8x4 2.1 s), so are not timed.
    if (kind === 'd' && rowsOnly) return false;
    if (kind === 't' && !tiledFits) return false;
    if (kind === 'w') return rowFits(name as RowConfigName) && rowWaste(name as RowConfigName) <= 2;
    const [r, c] =
      kind === 't'
        ? [GEMM_CONFIGS[name as GemmConfigName].bm, GEMM_CONFIGS[name as GemmConfigName].bn]
        : directSpan(DIRECT_CONFIGS[name as DirectConfigName]);
    return waste(Og, NP, r, c) <= 2;
  });
  if (ctx.override?.startsWith('t:') && !tiledFits) {
    throw new Error(`${prefix}: internal: tiled conv2d variant ${ctx.override} needs zero padding`);
  }
  if (ctx.override?.startsWith('w:') && !rowFits(ctx.override.slice(2) as RowConfigName)) {
    throw new Error(`${prefix}: internal: row conv2d variant ${ctx.override} spans over ${MAX_SPAN} columns`);
  }
  const cls = `conv|${bucket(NP)}|${bucket(Og)}|${bucket(K)}|${KH}x${KW}|s${sw}d${dw}|g${g > 1 ? 'n' : '1'}|p${tiledFits ? 0 : 1}`;
  const real = [bind(out), bind(x), bind(w), bias ? bind(bias) : null];
  const sizes = [N * O * OH * OW, N * C * H * W, O * K, O];
  const starter = rowsOnly && rowFits(ROW_STARTER) ? `w:${ROW_STARTER}` : null;
  run(
    ctx,
    cls,
    candidates,
    heuristic,
    sizes,
    real,
    (v, bufs, offs, _part) => {
      const [kind, name] = v.split(':');
      const hasBias = !!bufs[3];
      let gx: number;
      let gy: number;
      let key: string;
      let source: () => string;
      if (kind === 't') {
        const cfg = GEMM_CONFIGS[name as GemmConfigName];
        [gx, gy] = [Math.ceil(NP / cfg.bn), Math.ceil(Og / cfg.bm)];
        key = `conv|${hasBias}|${name}`;
        source = () => conv2dShader(hasBias, cfg);
      } else if (kind === 'w') {
        const cfg = rowConfig(name);
        const [r, c] = rowSpan(cfg);
        [gx, gy] = [Math.ceil((N * OH * Math.ceil(OW / cfg.tw)) / c), Math.ceil(Og / r)];
        key = `convw|${hasBias}|${name}|${KW}x${sw}x${dw}`;
        source = () => rowConvShader(cfg, { kw: KW, sw, dw }, hasBias);
      } else {
        const cfg = DIRECT_CONFIGS[name as DirectConfigName];
        const [r, c] = directSpan(cfg);
        [gx, gy] = [Math.ceil(NP / c), Math.ceil(Og / r)];
        key = `convd|${hasBias}|${name}`;
        source = () => directConvShader(cfg, hasBias);
      }
      if (gx > maxDim || gy > maxDim) throw new Error(`${prefix}: conv2d too large for one dispatch`);
      const o = offs ? [x.offset, w.offset, bias ? bias.offset : 0, out.offset] : [0, 0, 0, 0];
      return [
        {
          key,
          source,
          bindings: bindings(bufs),
          params: u32s([...head, ...o, ph, pw]),
          workgroups: [gx, gy, g],
        },
      ];
    },
    starter,
  );
}

/** dw [O, C/g, KH, KW] from x [N, C, H, W] and dy [N, O, OH, OW] (all contiguous). */
export function conv2dWeightGradOp(
  ctx: GemmContext,
  x: View,
  dy: View,
  dw: View,
  p: Conv2dParams,
  bind: (v: View) => GPUBuffer,
): void {
  const maxDim = ctx.runtime.limits.maxComputeWorkgroupsPerDimension;
  const { N, C, H, W, O, KH, KW, OH, OW, g, head } = geometry(x.shape, dw.shape, dy.shape, p);
  const Og = O / g;
  const K = (C / g) * KH * KW;
  const R = N * OH;
  const [sw, cd] = [p.stride[1], p.dilation[1]];
  const cls = `convgw|${bucket(Og)}|${bucket(K)}|${bucket(R * OW)}|${KH}x${KW}|s${sw}d${cd}|g${g > 1 ? 'n' : '1'}`;
  const rowOk = rowGradFits(KW, sw, cd);
  const candidates = [
    ...CONV_GRAD_VARIANTS.filter((v) => {
      const [r, c] = directSpan(DIRECT_CONFIGS[v.slice(2) as DirectConfigName]);
      return waste(Og, K, r, c) <= 4;
    }),
    ...(rowOk ? ROW_GRADS.map((n) => `w:${n}`) : []),
  ];
  const heuristic = ctx.cpuAdapter && rowOk ? `w:${pickRowGrad(Og, C / g)}` : `d:${pickDirect(Og, K)}`;
  if (ctx.override?.startsWith('w:') && !rowOk) {
    throw new Error(
      `${prefix}: internal: row weight gradient ${ctx.override} spans over ${MAX_SPAN} columns`,
    );
  }
  const real = [bind(dw), bind(x), bind(dy)];
  const sizes = [O * K, N * C * H * W, N * O * OH * OW];
  const rowGeo = {
    N,
    O,
    Og,
    Cg: C / g,
    K,
    KH,
    KW,
    OH,
    g,
    sw,
    dw: cd,
    head,
    padding: p.padding ?? ([0, 0] as const),
    maxDim,
  };
  run(ctx, cls, candidates, heuristic, sizes, real, (v, bufs, offs, part) => {
    if (v.startsWith('w:')) {
      const o = offs ? { x: x.offset, dy: dy.offset, out: dw.offset } : { x: 0, dy: 0, out: 0 };
      return rowWeightGradSpecs(v.slice(2) as RowGradConfigName, rowGeo, bufs, o, part);
    }
    const cfg = DIRECT_CONFIGS[v.slice(2) as DirectConfigName];
    const [r, c] = directSpan(cfg);
    const [gx, gy] = [Math.ceil(K / c), Math.ceil(Og / r)];
    const blocks = gx * gy * g;
    // Slices of (image, oh) rows: enough that the grid holds ~4096 threads.
    const threads = blocks * cfg.wg[0] * cfg.wg[1];
    let S = Math.max(1, Math.min(R, 512, Math.floor(maxDim / g), Math.ceil(4096 / threads)));
    const chunk = Math.ceil(R / S);
    S = Math.ceil(R / chunk);
    if (gx > maxDim || gy > maxDim)
      throw new Error(`${prefix}: conv2d weight gradient too large for one dispatch`);
    const outOff = offs ? dw.offset : 0;
    const dst = S > 1 ? part(S * O * K) : (bufs[0] as GPUBuffer);
    const o = offs ? [x.offset, dy.offset, 0, S > 1 ? 0 : outOff] : [0, 0, 0, 0];
    const specs: DispatchSpec[] = [
      {
        key: `convgw|${v}`,
        source: () => convWeightGradShader(cfg),
        bindings: bindings([dst, bufs[1], bufs[2]]),
        params: u32s([...head, ...o, ...(p.padding ?? [0, 0]), S, chunk, S > 1 ? O * K : 0]),
        workgroups: [gx, gy, g * S],
      },
    ];
    if (S > 1) {
      specs.push({
        key: 'mm-splitsum',
        source: splitSumShader,
        bindings: bindings([bufs[0], dst]),
        params: u32s([O * K, S, outOff]),
        workgroups: grid(Math.ceil((O * K) / 64), maxDim),
      });
    }
    return specs;
  });
}

/** dx [N, C, H, W] from dy [N, O, OH, OW] and w [O, C/g, KH, KW] (all contiguous). */
export function conv2dInputGradOp(
  ctx: GemmContext,
  dy: View,
  w: View,
  dx: View,
  p: Conv2dParams,
  bind: (v: View) => GPUBuffer,
): void {
  const maxDim = ctx.runtime.limits.maxComputeWorkgroupsPerDimension;
  const { N, C, H, W, O, KH, KW, OH, OW, g, head } = geometry(dx.shape, w.shape, dy.shape, p);
  const Cg = C / g;
  const NQ = N * H * W;
  const unit = p.stride[0] === 1 && p.stride[1] === 1;
  const [ph, pw] = p.padding ?? [0, 0];
  const [dh, dw] = p.dilation;
  // Unit stride: dx is dy convolved with the flipped, transposed weights and padding (K-1)*d - p,
  // which the row kernel runs (measured below); other strides use the direct kernel.
  const [fh, fw] = [(KH - 1) * dh - ph, (KW - 1) * dw - pw];
  const rowOk = (name: RowConfigName) =>
    unit && fh >= 0 && fw >= 0 && ROW_CONFIGS[name].tw - 1 + (KW - 1) * dw + 1 <= MAX_SPAN;
  const rowWaste = (name: RowConfigName) => {
    const cfg = ROW_CONFIGS[name];
    const owt = Math.ceil(W / cfg.tw);
    const [r, c] = rowSpan(cfg);
    return waste(Cg, N * H * owt, r, c) * ((owt * cfg.tw) / W);
  };
  const cls = `convgx|${bucket(NQ)}|${bucket(Cg)}|${bucket((O / g) * KH * KW)}|${KH}x${KW}|s${unit ? 1 : 'n'}|d${dw}|g${g > 1 ? 'n' : '1'}`;
  const row = ctx.cpuAdapter ? pickRow(rowOk, rowWaste) : null;
  // As in the forward: on CPU adapters the direct blocks are not timed where a row one fits.
  const candidates = [
    ...CONV_GRAD_VARIANTS.filter((v) => {
      const [r, c] = directSpan(DIRECT_CONFIGS[v.slice(2) as DirectConfigName]);
      return !row && waste(Cg, NQ, r, c) <= 2;
    }),
    ...ROWS.filter((n) => rowOk(n) && rowWaste(n) <= 2).map((n) => `w:${n}`),
  ];
  const heuristic = row ? `w:${row}` : `d:${pickDirect(Cg, NQ)}`;
  if (!candidates.includes(heuristic)) candidates.push(heuristic);
  if (ctx.override?.startsWith('w:') && !rowOk(ctx.override.slice(2) as RowConfigName)) {
    throw new Error(
      `${prefix}: internal: row variant ${ctx.override} needs unit stride for the input gradient`,
    );
  }
  const real = [bind(dx), bind(dy), bind(w)];
  const sizes = [N * C * H * W, N * O * OH * OW, O * Cg * KH * KW];
  run(ctx, cls, candidates, heuristic, sizes, real, (v, bufs, offs) => {
    const [kind, name] = v.split(':');
    if (kind === 'w') {
      const cfg = ROW_CONFIGS[name as RowConfigName];
      const [r, c] = rowSpan(cfg);
      const [gx, gy] = [Math.ceil((N * H * Math.ceil(W / cfg.tw)) / c), Math.ceil(Cg / r)];
      if (gx > maxDim || gy > maxDim || g > maxDim) {
        throw new Error(`${prefix}: conv2d input gradient too large for one dispatch`);
      }
      const o = offs ? [dy.offset, w.offset, 0, dx.offset] : [0, 0, 0, 0];
      return [
        {
          key: `convgxw|${name}|${KW}x${dw}`,
          source: () => rowConvShader(cfg, { kw: KW, sw: 1, dw, flip: true }, false),
          bindings: bindings(bufs),
          // dy in the place of x: [N, O, OH, OW] in, [N, C, H, W] out.
          params: u32s([N, O, OH, OW, C, KH, KW, H, W, 1, 1, dh, dw, g, ...o, fh, fw]),
          workgroups: [gx, gy, g],
        },
      ];
    }
    const cfg = DIRECT_CONFIGS[name as DirectConfigName];
    const [r, c] = directSpan(cfg);
    const [gx, gy] = [Math.ceil(NQ / c), Math.ceil(Cg / r)];
    if (gx > maxDim || gy > maxDim || g > maxDim) {
      throw new Error(`${prefix}: conv2d input gradient too large for one dispatch`);
    }
    const o = offs ? [dy.offset, w.offset, 0, dx.offset] : [0, 0, 0, 0];
    return [
      {
        key: `convgx|${v}|${unit}`,
        source: () => convInputGradShader(cfg, unit),
        bindings: bindings(bufs),
        params: u32s([...head, ...o, ...(p.padding ?? [0, 0]), 1, 0, 0]),
        workgroups: [gx, gy, g],
      },
    ];
  });
}
