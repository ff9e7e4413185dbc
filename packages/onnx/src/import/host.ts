/**
 * Host kernels for the ops that shape arithmetic uses (numpy semantics on small arrays).
 * They run at import (folding constant subgraphs) and at forward time (on Shape outputs),
 * so a model's shape logic never needs data back from the device.
 */

import { broadcastShapes } from '@layers/core';
import { type HostDType, type HostValue, host, isIntDType, sizeOf } from './values.js';

/** Results larger than this stay on the device: host arrays are for shapes and small constants. */
export const HOST_LIMIT = 4096;

/** @internal Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** @internal Normalise a possibly negative axis against `rank`, or throw naming `where`. */
export function normAxis(axis: number, rank: number, where: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new RangeError(`ONNX import: ${where}: axis ${axis} is out of range for a rank-${rank} tensor`);
  }
  return a;
}

/** For each output element, the flat index of the broadcast source element. */
function broadcastIndex(from: readonly number[], to: readonly number[]): number[] {
  const n = sizeOf(to);
  const off = to.length - from.length;
  const fs = stridesOf(from);
  const ts = stridesOf(to);
  const idx = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let src = 0;
    for (let d = 0; d < from.length; d++) {
      const coord = Math.floor(i / ts[d + off]) % to[d + off];
      if (from[d] !== 1) src += coord * fs[d];
    }
    idx[i] = src;
  }
  return idx;
}

/** @internal Broadcast x to `shape` (ONNX Expand is bidirectional: the result is the broadcast of both). */
export function hostExpand(x: HostValue, shape: readonly number[]): HostValue {
  const out = broadcastShapes(x.shape, shape, 'ONNX Expand');
  const idx = broadcastIndex(x.shape, out);
  return host(
    x.dtype,
    out,
    idx.map((i) => x.data[i]),
  );
}

/** @internal Elementwise binary op with numpy broadcasting. */
export function hostBinary(
  a: HostValue,
  b: HostValue,
  fn: (x: number, y: number) => number,
  dtype: HostDType = a.dtype,
): HostValue {
  const shape = broadcastShapes(a.shape, b.shape, 'ONNX import');
  const ia = broadcastIndex(a.shape, shape);
  const ib = broadcastIndex(b.shape, shape);
  return host(
    dtype,
    shape,
    ia.map((i, k) => round(dtype, fn(a.data[i], b.data[ib[k]]))),
  );
}

/** Keep a value representable in its dtype (float32 rounding, integer truncation). */
export function round(dtype: HostDType, x: number): number {
  if (dtype === 'float32') return Math.fround(x);
  if (isIntDType(dtype)) return Math.trunc(x);
  if (dtype === 'bool') return x ? 1 : 0;
  return x;
}

/** @internal ONNX Where: cond ? a : b, all three broadcast. */
export function hostWhere(c: HostValue, a: HostValue, b: HostValue): HostValue {
  const shape = broadcastShapes(broadcastShapes(c.shape, a.shape, 'ONNX Where'), b.shape, 'ONNX Where');
  const ic = broadcastIndex(c.shape, shape);
  const ia = broadcastIndex(a.shape, shape);
  const ib = broadcastIndex(b.shape, shape);
  return host(
    a.dtype,
    shape,
    ic.map((i, k) => (c.data[i] ? a.data[ia[k]] : b.data[ib[k]])),
  );
}

/** @internal Elementwise unary op. */
export function hostUnary(x: HostValue, fn: (v: number) => number, dtype: HostDType = x.dtype): HostValue {
  return host(
    dtype,
    x.shape,
    x.data.map((v) => round(dtype, fn(v))),
  );
}

/** @internal ONNX Gather on the host: out = data.shape[:axis] + indices.shape + data.shape[axis+1:]. */
export function hostGather(data: HostValue, indices: HostValue, axis: number, where: string): HostValue {
  const ax = normAxis(axis, data.shape.length, where);
  const n = data.shape[ax];
  const outer = sizeOf(data.shape.slice(0, ax));
  const inner = sizeOf(data.shape.slice(ax + 1));
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const raw of indices.data) {
      const i = raw < 0 ? raw + n : raw;
      if (i < 0 || i >= n)
        throw new RangeError(`ONNX import: ${where}: index ${raw} is out of range for size ${n}`);
      const base = (o * n + i) * inner;
      for (let k = 0; k < inner; k++) out.push(data.data[base + k]);
    }
  }
  const shape = [...data.shape.slice(0, ax), ...indices.shape, ...data.shape.slice(ax + 1)];
  return host(data.dtype, shape, out);
}

/** @internal Concatenate along `axis`. */
export function hostConcat(xs: readonly HostValue[], axis: number, where: string): HostValue {
  const rank = xs[0].shape.length;
  const ax = normAxis(axis, rank, where);
  const outer = sizeOf(xs[0].shape.slice(0, ax));
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const x of xs) {
      const chunk = sizeOf(x.shape.slice(ax));
      for (let k = 0; k < chunk; k++) out.push(x.data[o * chunk + k]);
    }
  }
  const shape = [...xs[0].shape];
  shape[ax] = xs.reduce((s, x) => s + x.shape[ax], 0);
  return host(xs[0].dtype, shape, out);
}

/** @internal Permute dimensions. */
export function hostTranspose(x: HostValue, perm: readonly number[]): HostValue {
  const shape = perm.map((p) => x.shape[p]);
  const src = stridesOf(x.shape);
  const dst = stridesOf(shape);
  const out = new Array<number>(x.data.length);
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let d = 0; d < shape.length; d++) s += (Math.floor(i / dst[d]) % shape[d]) * src[perm[d]];
    out[i] = x.data[s];
  }
  return host(x.dtype, shape, out);
}

/** @internal Slice with per-axis (start, end, step) already clamped as ONNX specifies. */
export function hostSlice(
  x: HostValue,
  ranges: readonly { start: number; step: number; count: number }[],
): HostValue {
  const shape = ranges.map((r) => r.count);
  const src = stridesOf(x.shape);
  const dst = stridesOf(shape);
  const out = new Array<number>(sizeOf(shape));
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let d = 0; d < shape.length; d++) {
      const c = Math.floor(i / dst[d]) % shape[d];
      s += (ranges[d].start + c * ranges[d].step) * src[d];
    }
    out[i] = x.data[s];
  }
  return host(x.dtype, shape, out);
}

/** @internal Reduce over `axes` (normalised, sorted) with keepdims. */
export function hostReduce(
  x: HostValue,
  axes: readonly number[],
  keep: boolean,
  init: number,
  fn: (acc: number, v: number) => number,
): HostValue {
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const ks = stridesOf(keptShape);
  const xs = stridesOf(x.shape);
  const out = new Array<number>(sizeOf(keptShape)).fill(init);
  for (let i = 0; i < x.data.length; i++) {
    let o = 0;
    for (let d = 0; d < x.shape.length; d++) {
      if (!axes.includes(d)) o += (Math.floor(i / xs[d]) % x.shape[d]) * ks[d];
    }
    out[o] = fn(out[o], x.data[i]);
  }
  const shape = keep ? keptShape : x.shape.filter((_, i) => !axes.includes(i));
  return host(
    x.dtype,
    shape,
    out.map((v) => round(x.dtype, v)),
  );
}
