/**
 * The row-wise fused kernels: softmax, layerNorm, the LSTM/GRU cells' pointwise half,
 * one dispatch each (kernels/fused.ts has the shaders).
 */
import type { LayerNormParams, RnnCellParams, View } from '@layers/core';
import { f32Bits, grid, u32s, WG } from '../kernels/common.js';
import { layerNormShader, rnnCellShader, rowThreads, softmaxShader } from '../kernels/fused.js';
import type { Binding, Runtime } from '../runtime.js';

/** What the fused ops need of the backend: its runtime and a view's binding. */
export interface FusedContext {
  readonly runtime: Runtime;
  bind(view: View, write?: boolean): Binding;
}

const maxDim = (ctx: FusedContext): number => ctx.runtime.limits.maxComputeWorkgroupsPerDimension;

/** Softmax (or log-softmax) over contiguous rows: one workgroup a row. */
export function softmaxOp(
  ctx: FusedContext,
  x: View,
  out: View,
  outer: number,
  inner: number,
  log: boolean,
): void {
  if (outer * inner === 0) return;
  const size = rowThreads(inner);
  ctx.runtime.dispatch({
    key: `softmax|${size}|${log}`,
    source: () => softmaxShader(size, log),
    bindings: [ctx.bind(out, true), ctx.bind(x)],
    params: u32s([outer, inner, x.offset, out.offset, 0]),
    workgroups: grid(outer, maxDim(ctx)),
  });
}

/** LayerNorm forward over contiguous rows, writing each row's mean and rstd too. */
export function layerNormOp(
  ctx: FusedContext,
  x: View,
  weight: View | null,
  bias: View | null,
  out: View,
  mean: View,
  rstd: View,
  { outer, inner, eps }: LayerNormParams,
): void {
  if (outer === 0) return;
  const size = rowThreads(inner);
  const bindings = [ctx.bind(out, true), ctx.bind(mean, true), ctx.bind(rstd, true), ctx.bind(x)];
  if (weight) bindings.push(ctx.bind(weight));
  if (bias) bindings.push(ctx.bind(bias));
  const params = [outer, inner, x.offset, out.offset, mean.offset, rstd.offset];
  params.push(weight ? weight.offset : 0, bias ? bias.offset : 0, f32Bits(eps), 0);
  ctx.runtime.dispatch({
    key: `ln|${size}|${!!weight}|${!!bias}`,
    source: () => layerNormShader(size, !!weight, !!bias),
    bindings,
    params: u32s(params),
    workgroups: grid(outer, maxDim(ctx)),
  });
}

/** lstmCell / gruCell: `state` is the previous c (LSTM) or h (GRU). */
export function rnnCellOp(
  ctx: FusedContext,
  mode: 'lstm' | 'gru',
  gx: View,
  gh: View,
  state: View,
  out: View,
  act: View,
  { batch, hidden }: RnnCellParams,
): void {
  const n = batch * hidden;
  if (n === 0) return;
  ctx.runtime.dispatch({
    key: `${mode}Cell`,
    source: () => rnnCellShader(mode),
    bindings: [ctx.bind(out, true), ctx.bind(act, true), ctx.bind(gx), ctx.bind(gh), ctx.bind(state)],
    params: u32s([n, hidden, gx.offset, gh.offset, state.offset, out.offset, act.offset]),
    workgroups: grid(Math.ceil(n / WG), maxDim(ctx)),
  });
}
