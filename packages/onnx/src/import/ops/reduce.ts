/** Reductions (ReduceMean, ReduceSum, ... ArgMax) with ONNX's axes / keepdims rules. */

import type { Tensor } from '@layers/core';
import type { Attrs } from '../attrs.js';
import { hostReduce, normAxis } from '../host.js';
import type { Value } from '../values.js';
import type { OpContext, OpDef, OpTable } from './types.js';

/**
 * The reduced axes, or null for "return the input unchanged" (noop_with_empty_axes). ReduceSum
 * takes axes as an input from opset 13, the others from opset 18; before that an attribute.
 */
function reduceAxes(ctx: OpContext, axesIn: Value | undefined, attrs: Attrs, rank: number): number[] | null {
  const raw = axesIn !== undefined ? ctx.ints(axesIn, 'axes') : attrs.ints('axes');
  if (raw?.length) return [...new Set(raw.map((a) => normAxis(a, rank, ctx.where)))].sort((a, b) => a - b);
  if (attrs.int('noop_with_empty_axes', 0) === 1) return null;
  return Array.from({ length: rank }, (_, i) => i);
}

function reduction(
  device: (x: Tensor, axes: number[], keepdim: boolean) => Tensor,
  hostFold?: { init: number; fn: (acc: number, v: number) => number },
): OpDef {
  return {
    host: hostFold
      ? ([x, a], attrs, ctx) => {
          const axes = reduceAxes(ctx, a, attrs, x!.shape.length);
          if (!axes) return [x!];
          return [hostReduce(x!, axes, attrs.int('keepdims', 1) === 1, hostFold.init, hostFold.fn)];
        }
      : undefined,
    device: ([x, a], attrs, ctx) => {
      const t = ctx.t(x, 'data');
      const axes = reduceAxes(ctx, a, attrs, t.ndim);
      return [axes ? device(t, axes, attrs.int('keepdims', 1) === 1) : t];
    },
  };
}

function prodOver(x: Tensor, axes: number[], keepdim: boolean): Tensor {
  let out = x;
  for (const a of [...axes].reverse()) out = out.prod(a, { keepdim });
  return out;
}

function argReduce(name: 'argmax' | 'argmin'): OpDef {
  return {
    device: ([x], attrs, ctx) => {
      if (attrs.int('select_last_index', 0) === 1)
        throw attrs.unsupported('select_last_index', 1, '0: the first extreme index');
      const t = ctx.t(x, 'data');
      const axis = normAxis(attrs.int('axis', 0), t.ndim, ctx.where);
      return [t[name](axis, { keepdim: attrs.int('keepdims', 1) === 1 })];
    },
  };
}

/** @internal */
export const REDUCE_OPS: OpTable = {
  ReduceMean: reduction((x, a, k) => x.mean(a, { keepdim: k })),
  ReduceSum: reduction((x, a, k) => x.sum(a, { keepdim: k }), { init: 0, fn: (s, v) => s + v }),
  ReduceMax: reduction((x, a, k) => x.max(a, { keepdim: k }), { init: -Infinity, fn: Math.max }),
  ReduceMin: reduction((x, a, k) => x.min(a, { keepdim: k }), { init: Infinity, fn: Math.min }),
  ReduceProd: reduction(prodOver, { init: 1, fn: (p, v) => p * v }),
  ReduceL1: reduction((x, a, k) => x.abs().sum(a, { keepdim: k })),
  ReduceL2: reduction((x, a, k) => x.square().sum(a, { keepdim: k }).sqrt()),
  ReduceSumSquare: reduction((x, a, k) => x.square().sum(a, { keepdim: k })),
  ReduceLogSumExp: reduction((x, a, k) => x.logsumexp(a, { keepdim: k })),
  ArgMax: argReduce('argmax'),
  ArgMin: argReduce('argmin'),
};
