/**
 * The fused kernels of the contract other than conv2d: softmax, layer norm, recurrent cells,
 * and pooling, each one kernel call split over rows (Adam runs as a core expression now).
 */
import type { LayerNormParams, Pool2dParams, RnnCellParams, View } from '@layers/core';
import type { Dispatch } from '../dispatch.js';

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
  { outer, inner, eps }: LayerNormParams,
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
 * lstmCell / gruCell over batch rows (operands contiguous, as the contract promises). Core
 * now runs the gate arithmetic as an expression when the backend has one, so these run only
 * where that path is hidden. Kept because the kernel still wins (1 thread, CPU time): alone,
 * LSTM B16 H128 19 vs 71 us, B64 H512 0.33 vs 1.05 ms; GRU 15 vs 43 us, 0.24 vs 0.65 ms
 * (its float32 sigmoid/tanh, vmath32.ts, are what the expression path, bound to the unary
 * kernel's float64-accurate ones, cannot use). Per nn.GRUCell step (B16 H128, forward and
 * backward) 1.02-1.18 ms against 1.29-1.40 ms; an LSTMCell step is even either way. A
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
  { batch, hidden }: RnnCellParams,
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

/**
 * @internal The input gradient of pool2d over planes (grad, indices and dx contiguous, as the
 * contract promises): assembly/pool-grad.ts, one plane per item.
 */
export function pool2dBackward(
  d: Dispatch,
  grad: View,
  indices: View | null,
  divisor: View | null,
  dx: View,
  p: Pool2dParams,
): void {
  const [N, C, H, W] = dx.shape;
  const [, , OH, OW] = grad.shape;
  if (N * C * H * W === 0) return;
  const args = [
    d.addr(grad),
    indices ? d.addr(indices) : 0,
    divisor ? d.addr(divisor) : 0,
    d.addr(dx),
    p.mode === 'max' ? 1 : 0,
    H,
    W,
    OH,
    OW,
    ...p.kernel,
    ...p.stride,
    ...p.padding,
    ...p.dilation,
  ];
  d.par('pool2dBackward', args, N * C, N * C * (H * W + OH * OW * p.kernel[0] * p.kernel[1]), 1);
}
