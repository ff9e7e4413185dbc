/**
 * Shape and data-movement operators. Each has a host path (numpy semantics on small arrays, for
 * shape arithmetic) and a device path that uses core's views (reshape, permute, slice, ...),
 * so gradients flow through them when they act on parameters or activations.
 */

import { broadcastShapes, cat, pad, type Tensor, tensor, where } from '@layers/core';
import type { Attrs } from '../attrs.js';
import {
  HOST_LIMIT,
  hostConcat,
  hostExpand,
  hostGather,
  hostSlice,
  hostTranspose,
  normAxis,
} from '../host.js';
import { type HostValue, host, isHost, sizeOf, type Value } from '../values.js';
import type { OpContext, OpTable } from './types.js';

function shapeOf(v: Value): readonly number[] {
  return v.shape;
}

function reshapeTarget(
  inShape: readonly number[],
  spec: readonly number[],
  allowZero: boolean,
  where: string,
): number[] {
  const out = spec.map((d, i) => (d === 0 && !allowZero ? inShape[i] : d));
  const neg = out.indexOf(-1);
  const n = sizeOf(inShape);
  if (neg >= 0) {
    const known = sizeOf(out.filter((_, i) => i !== neg));
    if (known === 0 || n % known !== 0) {
      throw new RangeError(
        `ONNX import: ${where}: cannot reshape [${inShape.join(', ')}] into [${spec.join(', ')}]`,
      );
    }
    out[neg] = n / known;
  }
  if (sizeOf(out) !== n) {
    throw new RangeError(
      `ONNX import: ${where}: cannot reshape [${inShape.join(', ')}] (${n} elements) into [${out.join(', ')}]`,
    );
  }
  return out;
}

/** Axes from the `axes` input (opset 13+) or attribute (older opsets), normalised. */
function axesOf(ctx: OpContext, input: Value | undefined, attrs: Attrs, rank: number): number[] | null {
  const raw = input !== undefined ? ctx.ints(input, 'axes') : attrs.ints('axes');
  return raw ? raw.map((a) => normAxis(a, rank, ctx.where)) : null;
}

interface SliceRange {
  start: number;
  step: number;
  count: number;
}

function sliceRanges(ctx: OpContext, inputs: (Value | undefined)[], attrs: Attrs): SliceRange[] {
  const shape = shapeOf(inputs[0]!);
  const old = ctx.opset < 10;
  const starts = old ? attrs.ints('starts')! : ctx.ints(inputs[1], 'starts');
  const ends = old ? attrs.ints('ends')! : ctx.ints(inputs[2], 'ends');
  const axes =
    (old ? attrs.ints('axes') : inputs[3] ? ctx.ints(inputs[3], 'axes') : null) ?? starts.map((_, i) => i);
  const steps = (!old && inputs[4] ? ctx.ints(inputs[4], 'steps') : null) ?? starts.map(() => 1);
  const ranges: SliceRange[] = shape.map((d) => ({ start: 0, step: 1, count: d }));
  axes.forEach((a, i) => {
    const ax = normAxis(a, shape.length, ctx.where);
    const dim = shape[ax];
    const step = steps[i];
    if (step === 0) throw new RangeError(`ONNX import: ${ctx.where}: slice step cannot be 0`);
    const clampTo = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + dim : v, lo), hi);
    if (step > 0) {
      const s = clampTo(starts[i], 0, dim);
      const e = clampTo(ends[i], 0, dim);
      ranges[ax] = { start: s, step, count: Math.max(0, Math.ceil((e - s) / step)) };
    } else {
      const s = clampTo(starts[i], 0, dim - 1);
      const e = clampTo(ends[i], -1, dim - 1);
      ranges[ax] = { start: s, step, count: Math.max(0, Math.ceil((s - e) / -step)) };
    }
  });
  return ranges;
}

function deviceSlice(x: Tensor, ranges: readonly SliceRange[], backend: OpContext['backend']): Tensor {
  let out = x;
  ranges.forEach((r, ax) => {
    if (r.start === 0 && r.step === 1 && r.count === x.shape[ax]) return;
    if (r.step > 0 || r.count === 0) {
      const start = r.count === 0 ? 0 : r.start;
      out = out.slice(
        ax,
        start,
        start + Math.max(r.count - 1, 0) * r.step + (r.count ? 1 : 0),
        Math.abs(r.step),
      );
    } else {
      // A negative step reverses: gather the rows by index (core's slice steps forward only).
      const idx = Int32Array.from({ length: r.count }, (_, i) => r.start + i * r.step);
      out = out.indexSelect(ax, tensor(idx, { backend }));
    }
  });
  return out;
}

function deviceGather(
  ctx: OpContext,
  dataV: Value | undefined,
  idxV: Value | undefined,
  axis: number,
): Tensor {
  const data = ctx.t(dataV, 'data');
  const ax = normAxis(axis, data.ndim, ctx.where);
  const n = data.shape[ax];
  if (isHost(idxV)) {
    const idx = idxV.data.map((i) => (i < 0 ? i + n : i));
    const bad = idx.findIndex((i) => i < 0 || i >= n);
    if (bad >= 0)
      throw new RangeError(
        `ONNX import: ${ctx.where}: index ${idxV.data[bad]} is out of range for size ${n}`,
      );
    if (idxV.shape.length === 0) return data.select(ax, idx[0]);
    const picked = data.indexSelect(ax, tensor(Int32Array.from(idx), { backend: ctx.backend }));
    return picked.reshape([...data.shape.slice(0, ax), ...idxV.shape, ...data.shape.slice(ax + 1)]);
  }
  const raw = ctx.t(idxV, 'indices');
  const idx = where(raw.lt(0), raw.add(n), raw);
  const picked = data.indexSelect(ax, idx.flatten());
  return picked.reshape([...data.shape.slice(0, ax), ...raw.shape, ...data.shape.slice(ax + 1)]);
}

function padArgs(ctx: OpContext, inputs: (Value | undefined)[], attrs: Attrs, rank: number): number[] {
  const pads = ctx.opset < 11 ? attrs.ints('pads')! : ctx.ints(inputs[1], 'pads');
  const axes = inputs[3] ? ctx.ints(inputs[3], 'axes').map((a) => normAxis(a, rank, ctx.where)) : null;
  const k = axes ? axes.length : rank;
  const full = new Array<number>(2 * rank).fill(0);
  for (let i = 0; i < k; i++) {
    const ax = axes ? axes[i] : i;
    full[ax] = pads[i];
    full[rank + ax] = pads[k + i];
  }
  // F.pad takes (left, right) pairs from the last dim; leading all-zero pairs are dropped.
  const out: number[] = [];
  for (let ax = rank - 1; ax >= 0; ax--) out.push(full[ax], full[rank + ax]);
  while (out.length > 2 && out[out.length - 1] === 0 && out[out.length - 2] === 0) out.length -= 2;
  return out;
}

const PAD_MODES = { constant: 'constant', reflect: 'reflect', edge: 'replicate', wrap: 'circular' } as const;

/** @internal */
export const SHAPE_OPS: OpTable = {
  Reshape: {
    host: ([x, s], attrs, ctx) => [
      host(x!.dtype, reshapeTarget(x!.shape, s!.data, attrs.int('allowzero', 0) === 1, ctx.where), x!.data),
    ],
    device: ([x, s], attrs, ctx) => {
      const t = ctx.t(x, 'data');
      const spec = ctx.opset < 5 ? attrs.ints('shape')! : ctx.ints(s, 'shape');
      return [t.reshape(reshapeTarget(t.shape, spec, attrs.int('allowzero', 0) === 1, ctx.where))];
    },
  },
  Flatten: {
    host: ([x], attrs, ctx) => {
      const r = x!.shape.length;
      const a = attrs.int('axis', 1);
      const ax = a < 0 ? a + r : a;
      if (ax < 0 || ax > r)
        throw new RangeError(`ONNX import: ${ctx.where}: axis ${a} is out of range for rank ${r}`);
      return [host(x!.dtype, [sizeOf(x!.shape.slice(0, ax)), sizeOf(x!.shape.slice(ax))], x!.data)];
    },
    device: ([x], attrs, ctx) => {
      const t = ctx.t(x, 'input');
      const a = attrs.int('axis', 1);
      const ax = a < 0 ? a + t.ndim : a;
      if (ax < 0 || ax > t.ndim)
        throw new RangeError(`ONNX import: ${ctx.where}: axis ${a} is out of range for rank ${t.ndim}`);
      return [t.reshape([sizeOf(t.shape.slice(0, ax)), sizeOf(t.shape.slice(ax))])];
    },
  },
  Transpose: {
    host: ([x], attrs) => [
      hostTranspose(x!, attrs.ints('perm') ?? x!.shape.map((_, i) => x!.shape.length - 1 - i)),
    ],
    device: ([x], attrs, ctx) => {
      const t = ctx.t(x, 'data');
      return [t.permute(attrs.ints('perm') ?? t.shape.map((_, i) => t.ndim - 1 - i))];
    },
  },
  Squeeze: {
    host: ([x, a], attrs, ctx) => {
      const axes = axesOf(ctx, a, attrs, x!.shape.length) ?? x!.shape.flatMap((d, i) => (d === 1 ? [i] : []));
      return [
        host(
          x!.dtype,
          x!.shape.filter((_, i) => !axes.includes(i)),
          x!.data,
        ),
      ];
    },
    device: ([x, a], attrs, ctx) => {
      const t = ctx.t(x, 'data');
      const axes = axesOf(ctx, a, attrs, t.ndim) ?? t.shape.flatMap((d, i) => (d === 1 ? [i] : []));
      const bad = axes.find((ax) => t.shape[ax] !== 1);
      if (bad !== undefined)
        throw new RangeError(`ONNX import: ${ctx.where}: cannot squeeze axis ${bad} of size ${t.shape[bad]}`);
      return [t.reshape(t.shape.filter((_, i) => !axes.includes(i)))];
    },
  },
  Unsqueeze: {
    host: ([x, a], attrs, ctx) => {
      const rank = x!.shape.length + (a ? a.data.length : attrs.ints('axes')!.length);
      const axes = axesOf(ctx, a, attrs, rank)!.sort((p, q) => p - q);
      const shape = [...x!.shape];
      for (const ax of axes) shape.splice(ax, 0, 1);
      return [host(x!.dtype, shape, x!.data)];
    },
    device: ([x, a], attrs, ctx) => {
      const t = ctx.t(x, 'data');
      const n = a !== undefined ? ctx.ints(a, 'axes').length : attrs.ints('axes')!.length;
      const axes = axesOf(ctx, a, attrs, t.ndim + n)!.sort((p, q) => p - q);
      const shape = [...t.shape];
      for (const ax of axes) shape.splice(ax, 0, 1);
      return [t.reshape(shape)];
    },
  },
  Concat: {
    host: (xs, attrs, ctx) => [
      hostConcat(
        xs.filter((x) => x!.data.length > 0 || x!.shape.length > 1) as HostValue[],
        attrs.int('axis', 0),
        ctx.where,
      ),
    ],
    device: (xs, attrs, ctx) => {
      const ts = xs.map((x, i) => ctx.t(x, `inputs[${i}]`));
      const rank = ts[0].ndim;
      return [cat(ts, normAxis(attrs.int('axis', 0), rank, ctx.where))];
    },
  },
  Split: {
    device: ([x, s], attrs, ctx) => {
      const t = ctx.t(x, 'input');
      const ax = normAxis(attrs.int('axis', 0), t.ndim, ctx.where);
      const dim = t.shape[ax];
      let sizes = s !== undefined ? ctx.ints(s, 'split') : attrs.ints('split');
      if (!sizes) {
        const parts = attrs.int('num_outputs', ctx.outputCount);
        const chunk = Math.ceil(dim / parts);
        sizes = Array.from({ length: parts }, (_, i) => Math.min(chunk, dim - i * chunk));
      }
      return t.split(sizes, ax);
    },
  },
  Slice: {
    host: (inputs, attrs, ctx) => [hostSlice(inputs[0]!, sliceRanges(ctx, inputs, attrs))],
    device: (inputs, attrs, ctx) => [
      deviceSlice(ctx.t(inputs[0], 'data'), sliceRanges(ctx, inputs, attrs), ctx.backend),
    ],
  },
  Gather: {
    host: ([d, i], attrs, ctx) => [hostGather(d!, i!, attrs.int('axis', 0), ctx.where)],
    device: ([d, i], attrs, ctx) => [deviceGather(ctx, d, i, attrs.int('axis', 0))],
  },
  GatherElements: {
    device: ([d, i], attrs, ctx) => {
      const data = ctx.t(d, 'data');
      const ax = normAxis(attrs.int('axis', 0), data.ndim, ctx.where);
      const raw = ctx.t(i, 'indices');
      return [data.gather(ax, where(raw.lt(0), raw.add(data.shape[ax]), raw))];
    },
  },
  Expand: {
    host: ([x, s]) =>
      sizeOf(broadcastShapes(x!.shape, s!.data, 'ONNX Expand')) > HOST_LIMIT
        ? null
        : [hostExpand(x!, s!.data)],
    device: ([x, s], _a, ctx) => {
      const t = ctx.t(x, 'input');
      return [t.expand(broadcastShapes(t.shape, ctx.ints(s, 'shape'), ctx.where))];
    },
  },
  Tile: {
    device: ([x, r], _a, ctx) => {
      const t = ctx.t(x, 'input');
      const reps = ctx.ints(r, 'repeats');
      // Interleave a repeat axis before every axis, broadcast it, then merge the pairs.
      const inter = t.shape.flatMap((d) => [1, d]);
      const big = t.shape.flatMap((d, i) => [reps[i], d]);
      return [
        t
          .reshape(inter)
          .expand(big)
          .reshape(t.shape.map((d, i) => d * reps[i])),
      ];
    },
  },
  DepthToSpace: {
    device: ([xv], attrs, ctx) => {
      const x = ctx.t(xv, 'input');
      const b = attrs.int('blocksize', 1);
      const [N, C, H, W] = x.shape;
      const c = C / (b * b);
      // DCR (the default) reads the block offsets before the channel; CRD (PixelShuffle's) after.
      const crd = attrs.string('mode', 'DCR') === 'CRD';
      const split = crd ? [N, c, b, b, H, W] : [N, b, b, c, H, W];
      const perm = crd ? [0, 1, 4, 2, 5, 3] : [0, 3, 4, 1, 5, 2];
      return [
        x
          .reshape(split)
          .permute(perm)
          .reshape([N, c, H * b, W * b]),
      ];
    },
  },
  SpaceToDepth: {
    device: ([xv], attrs, ctx) => {
      const x = ctx.t(xv, 'input');
      const b = attrs.int('blocksize', 1);
      const [N, C, H, W] = x.shape;
      const blocks = x.reshape([N, C, H / b, b, W / b, b]).permute([0, 3, 5, 1, 2, 4]);
      return [blocks.reshape([N, C * b * b, H / b, W / b])];
    },
  },
  Pad: {
    hostInputs: [1, 2, 3],
    device: (inputs, attrs, ctx) => {
      const t = ctx.t(inputs[0], 'data');
      const modeName = attrs.string('mode', 'constant');
      const mode = PAD_MODES[modeName as keyof typeof PAD_MODES];
      if (!mode) throw attrs.unsupported('mode', modeName, 'constant, reflect, edge, wrap');
      const value =
        ctx.opset < 11
          ? attrs.float('value', 0)
          : inputs[2]
            ? (ctx.hostOf(inputs[2], 'constant_value').data[0] ?? 0)
            : 0;
      return [pad(t, padArgs(ctx, inputs, attrs, t.ndim), { mode, value })];
    },
  },
};
