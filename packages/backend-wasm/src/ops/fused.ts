/**
 * The fused kernels of the contract other than conv2d: softmax, layer norm, recurrent cells,
 * pooling and the Adam step, each one kernel call split over rows.
 */
import type { AdamStepParams, Pool2dParams, View } from '@layers/core';
import type { Dispatch } from '../dispatch.js';
import { numel } from '../strided.js';

/** @internal Softmax or log-softmax over contiguous rows of `inner` elements. */
export function softmax(d: Dispatch, x: View, out: View, outer: number, inner: number, log: boolean): void {
  if (outer * inner === 0) return;
  d.withContiguous(x, (xp) =>
    d.par('softmax', [xp, d.addr(out), inner, log ? 1 : 0], outer, outer * inner * 4, 1),
  );
}

/** @internal Layer norm over rows of `inner` elements, writing the saved mean and rstd. */
export function layerNorm(
  d: Dispatch,

  x: View,
  weight: View | null,
  bias: View | null,
  out: View,
  mean: View,
  rstd: View,
  outer: number,
  inner: number,
  eps: number,
): void {
  if (outer === 0) return;
  d.withContiguous(x, (xp) =>
    d.par(
      'layerNorm',
      [
        xp,
        weight ? d.addr(weight) : 0,
        bias ? d.addr(bias) : 0,
        d.addr(out),
        d.addr(mean),
        d.addr(rstd),
        inner,
        eps,
      ],
      outer,
      outer * inner * 4,
      1,
    ),
  );
}

/**
 * lstmCell / gruCell over batch rows (operands contiguous, as the contract promises). A
 * hidden unit costs ~40 operations per sigmoid/tanh (five of them for LSTM, three for GRU),
 * so rows split across threads early. The LSTM kernel also needs the batch to find c'.
 * @internal
 */
export function rnnCell(
  d: Dispatch,

  name: 'lstmCell' | 'gruCell',
  gx: View,
  gh: View,
  state: View,
  out: View,
  act: View,
  batch: number,
  hidden: number,
): void {
  if (batch * hidden === 0) return;
  const lstm = name === 'lstmCell';
  const args = [gx, gh, state, out, act].map((v) => d.addr(v));
  args.push(...(lstm ? [batch, hidden] : [hidden]));
  d.par(name, args, batch, batch * hidden * (lstm ? 160 : 120), 1);
}

/** @internal Max or average 2-d pooling (with indices for max, a divisor map for average). */
export function pool2d(
  d: Dispatch,
  x: View,
  out: View,
  indices: View | null,
  divisor: View | null,
  p: Pool2dParams,
): void {
  const [N, C, H, W] = x.shape;
  const [, , OH, OW] = out.shape;
  const rows = N * C * OH;
  if (rows * OW === 0) return;
  d.withContiguous(x, (xp) =>
    d.par(
      'pool2d',
      [
        xp,
        d.addr(out),
        indices ? d.addr(indices) : 0,
        divisor ? d.addr(divisor) : 0,
        p.mode === 'max' ? 1 : 0,
        H,
        W,
        OH,
        OW,
        ...p.kernel,
        ...p.stride,
        ...p.padding,
        ...p.dilation,
      ],
      rows,
      rows * OW * p.kernel[0] * p.kernel[1],
      1,
    ),
  );
}

/** @internal One Adam/AdamW step over a parameter and its moments, in place. */
export function adamStep(
  d: Dispatch,
  param: View,
  grad: View,
  m: View,
  v: View,
  vmax: View | null,
  p: AdamStepParams,
): void {
  const n = numel(param.shape);
  if (n === 0) return;
  d.par(
    'adam',
    [
      d.addr(param),
      d.addr(grad),
      d.addr(m),
      d.addr(v),
      vmax ? d.addr(vmax) : 0,
      p.lr,
      p.beta1,
      p.beta2,
      p.eps,
      p.weightDecay,
      p.decoupled ? 1 : 0,
      p.maximize ? 1 : 0,
      p.biasCorrection1,
      p.biasCorrection2,
    ],
    n,
    n * 8,
    64,
  );
}
