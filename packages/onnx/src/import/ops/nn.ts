/** Layer operators: Gemm/MatMul, convolutions, pooling and normalisation, mapped onto core's F. */

import { F, pad, type Tensor } from '@layers/core';
import type { Attrs } from '../attrs.js';
import type { OpContext, OpTable } from './types.js';

/**
 * Per-dim (begin, end) padding from `pads` / `auto_pad`, as ONNX defines them
 * (SAME_UPPER puts the odd element at the end, SAME_LOWER at the beginning).
 */
function resolvePads(
  attrs: Attrs,
  spatial: readonly number[],
  kernel: readonly number[],
  strides: readonly number[],
  dil: readonly number[],
): [number, number][] {
  const d = spatial.length;
  const auto = attrs.string('auto_pad', 'NOTSET');
  if (auto === 'NOTSET') {
    const pads = attrs.ints('pads') ?? new Array<number>(2 * d).fill(0);
    return spatial.map((_, i) => [pads[i], pads[d + i]]);
  }
  if (auto === 'VALID') return spatial.map(() => [0, 0]);
  if (auto !== 'SAME_UPPER' && auto !== 'SAME_LOWER')
    throw attrs.unsupported('auto_pad', auto, 'NOTSET, VALID, SAME_UPPER, SAME_LOWER');
  return spatial.map((n, i) => {
    const out = Math.ceil(n / strides[i]);
    const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dil[i] + 1 - n);
    const small = Math.floor(total / 2);
    return auto === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
  });
}

const symmetric = (pads: readonly [number, number][]) => pads.every(([b, e]) => b === e);

/** F.pad's argument (pairs from the last dim) for spatial (begin, end) pads of an [N, C, ...] input. */
function spatialPadArg(pads: readonly [number, number][]): number[] {
  return [...pads].reverse().flat();
}

interface Geometry {
  d: number;
  kernel: number[];
  strides: number[];
  dil: number[];
  pads: [number, number][];
}

function geometry(attrs: Attrs, x: Tensor, kernel: number[], ctx: OpContext): Geometry {
  const d = kernel.length;
  if (x.ndim !== d + 2) {
    throw new RangeError(
      `ONNX import: ${ctx.where} expected a rank-${d + 2} input [N, C, ...], got shape [${x.shape.join(', ')}]`,
    );
  }
  const strides = attrs.ints('strides') ?? new Array<number>(d).fill(1);
  const dil = attrs.ints('dilations') ?? new Array<number>(d).fill(1);
  return { d, kernel, strides, dil, pads: resolvePads(attrs, x.shape.slice(2), kernel, strides, dil) };
}

function checkRank(d: number, ctx: OpContext): void {
  if (d < 1 || d > 3)
    throw new RangeError(`ONNX import: ${ctx.where}: layers supports 1-3 spatial dims, got ${d}`);
}

const CONV = [F.conv1d, F.conv2d, F.conv3d];
const CONV_T = [F.convTranspose1d, F.convTranspose2d, F.convTranspose3d];
const MAX_POOL = [F.maxPool1d, F.maxPool2d, F.maxPool3d];
const AVG_POOL = [F.avgPool1d, F.avgPool2d, F.avgPool3d];

function spatialAxes(x: Tensor): number[] {
  return x.shape.slice(2).map((_, i) => i + 2);
}

function softmaxLike(fn: (x: Tensor, dim: number) => Tensor) {
  return (x: Tensor, attrs: Attrs, ctx: OpContext): Tensor => {
    if (ctx.opset >= 13) return fn(x, attrs.int('axis', -1));
    // Before opset 13 the input is coerced to 2-D at `axis` and normalised over the second dim.
    const a = attrs.int('axis', 1);
    const ax = a < 0 ? a + x.ndim : a;
    const rows = x.shape.slice(0, ax).reduce((p, v) => p * v, 1);
    return fn(x.reshape([rows, -1]), 1).reshape(x.shape);
  };
}

/** @internal */
export const NN_OPS: OpTable = {
  MatMul: { device: ([a, b], _a, ctx) => [ctx.t(a, 'A').matmul(ctx.t(b, 'B'))] },
  Gemm: {
    device: ([av, bv, cv], attrs, ctx) => {
      const a = ctx.t(av, 'A');
      const b = ctx.t(bv, 'B');
      const c = cv !== undefined ? ctx.t(cv, 'C') : null;
      const alpha = attrs.float('alpha', 1);
      const beta = attrs.float('beta', 1);
      const transA = attrs.int('transA', 0) === 1;
      const transB = attrs.int('transB', 0) === 1;
      // nn.Linear's form (x W^T + b) goes through F.linear, as PyTorch computes it.
      if (!transA && transB && alpha === 1 && beta === 1 && (!c || c.ndim <= 1)) return [F.linear(a, b, c)];
      let y = (transA ? a.t() : a).matmul(transB ? b.t() : b);
      if (alpha !== 1) y = y.mul(alpha);
      if (c) y = y.add(beta === 1 ? c : c.mul(beta));
      return [y];
    },
  },
  Conv: {
    device: ([xv, wv, bv], attrs, ctx) => {
      const x = ctx.t(xv, 'X');
      const w = ctx.t(wv, 'W');
      const g = geometry(attrs, x, attrs.ints('kernel_shape') ?? w.shape.slice(2), ctx);
      checkRank(g.d, ctx);
      const sym = symmetric(g.pads);
      const input = sym ? x : pad(x, spatialPadArg(g.pads));
      const opts = {
        stride: g.strides,
        dilation: g.dil,
        groups: attrs.int('group', 1),
        padding: sym ? g.pads.map(([p]) => p) : 0,
      };
      return [CONV[g.d - 1](input, w, bv !== undefined ? ctx.t(bv, 'B') : null, opts)];
    },
  },
  ConvTranspose: {
    device: ([xv, wv, bv], attrs, ctx) => {
      const x = ctx.t(xv, 'X');
      const w = ctx.t(wv, 'W');
      if (attrs.has('output_shape'))
        throw attrs.unsupported(
          'output_shape',
          attrs.ints('output_shape'),
          'give pads and output_padding instead',
        );
      if (attrs.string('auto_pad', 'NOTSET') !== 'NOTSET')
        throw attrs.unsupported('auto_pad', attrs.string('auto_pad', ''), 'NOTSET');
      const g = geometry(attrs, x, attrs.ints('kernel_shape') ?? w.shape.slice(2), ctx);
      checkRank(g.d, ctx);
      const outputPadding = attrs.ints('output_padding') ?? new Array<number>(g.d).fill(0);
      const sym = symmetric(g.pads);
      const opts = {
        stride: g.strides,
        dilation: g.dil,
        groups: attrs.int('group', 1),
        outputPadding,
        padding: sym ? g.pads.map(([p]) => p) : 0,
      };
      let y = CONV_T[g.d - 1](x, w, bv !== undefined ? ctx.t(bv, 'B') : null, opts);
      if (!sym) {
        g.pads.forEach(([b, e], i) => {
          y = y.narrow(i + 2, b, y.shape[i + 2] - b - e);
        });
      }
      return [y];
    },
  },
  MaxPool: {
    device: ([xv], attrs, ctx) => {
      if (ctx.outputUsed(1)) throw attrs.unsupported('output Indices', 'used', 'only the pooled values');
      const x = ctx.t(xv, 'X');
      const g = geometry(attrs, x, attrs.ints('kernel_shape')!, ctx);
      checkRank(g.d, ctx);
      const sym = symmetric(g.pads);
      const input = sym ? x : pad(x, spatialPadArg(g.pads), { value: -Infinity });
      const opts = {
        stride: g.strides,
        dilation: g.dil,
        ceilMode: attrs.int('ceil_mode', 0) === 1,
        padding: sym ? g.pads.map(([p]) => p) : 0,
      };
      return [MAX_POOL[g.d - 1](input, g.kernel, opts)];
    },
  },
  AveragePool: {
    device: ([xv], attrs, ctx) => {
      const x = ctx.t(xv, 'X');
      const g = geometry(attrs, x, attrs.ints('kernel_shape')!, ctx);
      checkRank(g.d, ctx);
      if (g.dil.some((v) => v !== 1)) throw attrs.unsupported('dilations', g.dil, 'all 1');
      const countIncludePad = attrs.int('count_include_pad', 0) === 1;
      const sym = symmetric(g.pads);
      if (!sym && !countIncludePad)
        throw attrs.unsupported('pads', attrs.ints('pads'), 'symmetric pads unless count_include_pad=1');
      const input = sym ? x : pad(x, spatialPadArg(g.pads));
      const opts = {
        stride: g.strides,
        ceilMode: attrs.int('ceil_mode', 0) === 1,
        countIncludePad,
        padding: sym ? g.pads.map(([p]) => p) : 0,
      };
      return [AVG_POOL[g.d - 1](input, g.kernel, opts)];
    },
  },
  GlobalAveragePool: {
    device: ([xv], _a, ctx) => [ctx.t(xv, 'X').mean(spatialAxes(ctx.t(xv, 'X')), { keepdim: true })],
  },
  GlobalMaxPool: {
    device: ([xv], _a, ctx) => [ctx.t(xv, 'X').max(spatialAxes(ctx.t(xv, 'X')), { keepdim: true })],
  },
  BatchNormalization: {
    device: ([xv, s, b, m, v], attrs, ctx) => {
      if (attrs.int('training_mode', 0) === 1 || ctx.outputCount > 1) {
        throw attrs.unsupported(
          'training_mode',
          1,
          'inference graphs, as torch.onnx.export writes in eval mode',
        );
      }
      const opts = {
        weight: ctx.t(s, 'scale'),
        bias: ctx.t(b, 'B'),
        training: false,
        eps: attrs.float('epsilon', 1e-5),
      };
      return [F.batchNorm(ctx.t(xv, 'X'), ctx.t(m, 'input_mean'), ctx.t(v, 'input_var'), opts)];
    },
  },
  LayerNormalization: {
    device: ([xv, s, b], attrs, ctx) => {
      if (ctx.outputUsed(1) || ctx.outputUsed(2))
        throw attrs.unsupported('outputs Mean/InvStdDev', 'used', 'only Y');
      const x = ctx.t(xv, 'X');
      const a = attrs.int('axis', -1);
      const shape = x.shape.slice(a < 0 ? a + x.ndim : a);
      const eps = attrs.float('epsilon', 1e-5);
      const scale = ctx.t(s, 'Scale');
      const bias = b !== undefined ? ctx.t(b, 'B') : null;
      const exact = (t: Tensor | null) =>
        !t || (t.ndim === shape.length && t.shape.every((d, i) => d === shape[i]));
      if (exact(scale) && exact(bias)) return [F.layerNorm(x, shape, { weight: scale, bias, eps })];
      // ONNX also allows scale / bias that only broadcast to the normalised shape.
      const y = F.layerNorm(x, shape, { eps }).mul(scale);
      return [bias ? y.add(bias) : y];
    },
  },
  InstanceNormalization: {
    device: ([xv, s, b], attrs, ctx) => {
      const x = ctx.t(xv, 'input');
      // Instance norm is group norm with one channel per group.
      const opts = { weight: ctx.t(s, 'scale'), bias: ctx.t(b, 'B'), eps: attrs.float('epsilon', 1e-5) };
      return [F.groupNorm(x, x.shape[1], opts)];
    },
  },
  GroupNormalization: {
    device: ([xv, s, b], attrs, ctx) => {
      const x = ctx.t(xv, 'X');
      const C = x.shape[1];
      const groups = attrs.int('num_groups', 1);
      // Opset 18 gives scale and bias per group, opset 21 per channel; a per-group one is
      // repeated over its group's channels.
      const perChannel = (t: Tensor, what: string): Tensor => {
        if (t.size === C) return t.reshape([C]);
        if (t.size === groups)
          return t
            .reshape([groups, 1])
            .expand([groups, C / groups])
            .reshape([C]);
        throw new RangeError(
          `ONNX import: ${ctx.where}: ${what} has ${t.size} elements, expected ${C} (channels) or ${groups} (groups)`,
        );
      };
      const opts = {
        weight: perChannel(ctx.t(s, 'scale'), 'scale'),
        bias: perChannel(ctx.t(b, 'bias'), 'bias'),
        eps: attrs.float('epsilon', 1e-5),
      };
      return [F.groupNorm(x, groups, opts)];
    },
  },
  Softmax: { device: ([x], attrs, ctx) => [softmaxLike(F.softmax)(ctx.t(x, 'input'), attrs, ctx)] },
  LogSoftmax: { device: ([x], attrs, ctx) => [softmaxLike(F.logSoftmax)(ctx.t(x, 'input'), attrs, ctx)] },
};
