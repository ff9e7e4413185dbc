/**
 * Recurrent layers as functions: F.rnn (tanh / relu), F.lstm, F.gru and their single-step
 * cells, with PyTorch's gate orders (LSTM i, f, g, o; GRU r, z, n) and state shapes.
 *
 * The input projection for every time step is one F.linear up front; each step adds only the
 * hidden projection (a matmul) and the gate arithmetic. A float32 LSTM layer-direction on a
 * backend with expression kernels is one autograd node over the whole sequence (rnn-seq.ts);
 * otherwise each step is recorded: one fused kernel where the backend has `lstmCell`/`gruCell`
 * or expressions (rnn-step.ts), composed ops elsewhere.
 */

import { full } from '../../ops/creation.js';
import { cat, stack } from '../../ops/indexing.js';
import { isFloat } from '../../tensor/dtype.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptionalTensor, checkOptions, checkTensor } from '../validate.js';
import { dropout } from './dropout.js';
import { fusedKernel } from './fused.js';
import { linear } from './linear.js';
import { lstmSequence, lstmSequenceApplies } from './rnn-seq.js';
import { gruStep, lstmStep } from './rnn-step.js';

/** Recurrence of a recurrent layer: Elman with tanh or relu, LSTM or GRU. */
export type RnnMode = 'rnnTanh' | 'rnnRelu' | 'lstm' | 'gru';

/** One layer-direction's weights, as PyTorch's weight_ih_l{k}{_reverse}, ... */
export interface RnnLayerWeights {
  /** [G*hidden, in] */
  wIh: Tensor;
  /** [G*hidden, out] (out = projSize for a projected LSTM, else hidden) */
  wHh: Tensor;
  /** `[G*hidden]` input-to-hidden bias, or none. */
  bIh?: Tensor | null;
  /** `[G*hidden]` hidden-to-hidden bias, or none. */
  bHh?: Tensor | null;
  /** LSTM projection [projSize, hidden] (weight_hr_l{k}). */
  wHr?: Tensor | null;
}

/** Options of F.rnn, F.lstm and F.gru (nn.RNN/LSTM/GRU's, minus the sizes, which come from the weights). */
export interface RnnOptions {
  /** Weights are given for numLayers * (bidirectional ? 2 : 1) layer-directions, layer-major. */
  bidirectional?: boolean;
  /** Input and output are `[N, L, features]` (default false). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training only. */
  dropout?: number;
  /** Training mode, for dropout (default false). */
  training?: boolean;
  /** Layer name used in error messages ('LSTM', 'GRU', ...). */
  name?: string;
}

/** @internal Gates per mode. */
export const GATES: Record<RnnMode, number> = { rnnTanh: 1, rnnRelu: 1, lstm: 4, gru: 3 };
const NAMES: Record<RnnMode, string> = { rnnTanh: 'RNN', rnnRelu: 'RNN', lstm: 'LSTM', gru: 'GRU' };

/** @internal */
export function checkFloat(name: string, what: string, t: Tensor): void {
  checkTensor(name, what, t);
  if (!isFloat(t.dtype)) throw new TypeError(`${name} expected a float ${what}, got ${t.dtype}`);
}

function shapeTuple(shape: readonly number[]): string {
  return `(${shape.join(', ')})`;
}

/** @internal */
export interface StepResult {
  out: Tensor; // [T, B, out]
  h: Tensor; // [B, out]
  c: Tensor | null; // [B, hidden]
}

/**
 * @internal Run one direction of one layer over the precomputed input projection xp [T, B, G*H]
 * (biases already folded in where the gate arithmetic allows it).
 */
export function runDirection(
  mode: RnnMode,
  xp: Tensor,
  h0: Tensor,
  c0: Tensor | null,
  w: RnnLayerWeights,
  reverse: boolean,
): StepResult {
  const T = xp.shape[0];
  // One transposed copy for all steps, so the per-step matmul reads a contiguous matrix.
  const wHhT = w.wHh.t().contiguous();
  const wHrT = w.wHr ? w.wHr.t().contiguous() : null;
  const bHh = mode === 'gru' ? (w.bHh ?? null) : null;
  // The backend's hand-written cell where it has one (measured faster than the expression:
  // wasm GRU cell B16 H128 15 vs 43 us, webgpu LSTM cell B64 H512 26.5 vs 29.8 ms), else one
  // expression kernel per step where the backend runs expressions, else composed ops.
  const gated = mode === 'lstm' || mode === 'gru';
  const lstmKernel = mode === 'lstm' ? fusedKernel(xp.backend, 'lstmCell') : null;
  const gruKernel = mode === 'gru' ? fusedKernel(xp.backend, 'gruCell') : null;
  const expr =
    gated &&
    !lstmKernel &&
    !gruKernel &&
    xp.dtype === 'float32' &&
    fusedKernel(xp.backend, 'expression') !== null;
  let h = h0;
  let c = c0;
  const outs: Tensor[] = new Array(T);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const gx = xp.select(0, t);
    let gh = h.matmul(wHhT);
    if (mode === 'gru') {
      if (bHh) gh = gh.add(bHh);
      h = gruStep(gx, gh, h, gruKernel, expr);
    } else if (mode === 'lstm') {
      [h, c] = lstmStep(gx, gh, c!, lstmKernel, expr);
      if (wHrT) h = h.matmul(wHrT);
    } else {
      const pre = gx.add(gh);
      h = mode === 'rnnTanh' ? pre.tanh() : pre.relu();
    }
    outs[t] = h;
  }
  return { out: stack(outs, 0), h, c };
}

interface RunArgs {
  mode: RnnMode;
  input: Tensor;
  h0: Tensor | null;
  c0: Tensor | null;
  weights: readonly RnnLayerWeights[];
  opts: RnnOptions;
}

function runRnn(a: RunArgs): [Tensor, Tensor, Tensor | null] {
  const { mode, weights, opts } = a;
  const name = opts.name ?? NAMES[mode];
  checkOptions(name, opts, ['bidirectional', 'batchFirst', 'dropout', 'training', 'name', 'nonlinearity']);
  checkTensor(name, 'input', a.input);
  checkOptionalTensor(name, mode === 'lstm' ? 'hx[0]' : 'hx', a.h0);
  checkOptionalTensor(name, 'hx[1]', a.c0);
  const dirs = opts.bidirectional ? 2 : 1;
  if (weights.length === 0 || weights.length % dirs !== 0) {
    throw new RangeError(
      `${name}: expected weights for a multiple of ${dirs} layer-directions, got ${weights.length}`,
    );
  }
  const numLayers = weights.length / dirs;
  const w0 = weights[0];
  const G = GATES[mode];
  const hidden = w0.wHh.shape[0] / G;
  const outSize = w0.wHr ? w0.wHr.shape[0] : hidden;
  const inputSize = w0.wIh.shape[1];

  let x = a.input;
  checkFloat(name, 'input', x);
  if (x.ndim !== 2 && x.ndim !== 3) {
    throw new RangeError(
      `${name} expected a 2-D (unbatched) or 3-D (batched) input, got ${x.ndim}-D input of shape ${fmtShape(x.shape)}`,
    );
  }
  if (x.shape[x.ndim - 1] !== inputSize) {
    throw new RangeError(
      `${name} expected input with ${inputSize} features (input.size(-1)), got ${x.shape[x.ndim - 1]} (input shape ${fmtShape(x.shape)})`,
    );
  }
  const unbatched = x.ndim === 2;
  const hxDims = unbatched ? 2 : 3;
  for (const [t, what] of [
    [a.h0, mode === 'lstm' ? 'hx[0]' : 'hx'],
    [a.c0, 'hx[1]'],
  ] as const) {
    if (t && t.ndim !== hxDims) {
      throw new RangeError(
        `${name}: for ${unbatched ? 'unbatched 2-D' : 'batched 3-D'} input, ${what} should also be ${hxDims}-D but got ${t.ndim}-D tensor`,
      );
    }
  }
  if (unbatched) x = x.unsqueeze(1);
  else if (opts.batchFirst) x = x.transpose(0, 1);
  const B = x.shape[1];
  const h0 = a.h0 ? (unbatched ? a.h0.unsqueeze(1) : a.h0) : null;
  const c0 = a.c0 ? (unbatched ? a.c0.unsqueeze(1) : a.c0) : null;
  const expectH = [numLayers * dirs, B, outSize];
  const expectC = [numLayers * dirs, B, hidden];
  const label = (i: number) => (mode === 'lstm' ? `hidden[${i}]` : 'hidden');
  const shown = (s: number[]) => shapeTuple(unbatched ? [s[0], s[2]] : s);
  const actual = (t: Tensor) => fmtShape(t.shape);
  if (h0 && (h0.shape[0] !== expectH[0] || h0.shape[1] !== B || h0.shape[2] !== outSize)) {
    throw new RangeError(`${name} expected ${label(0)} size ${shown(expectH)}, got ${actual(a.h0!)}`);
  }
  if (c0 && (c0.shape[0] !== expectC[0] || c0.shape[1] !== B || c0.shape[2] !== hidden)) {
    throw new RangeError(`${name} expected ${label(1)} size ${shown(expectC)}, got ${actual(a.c0!)}`);
  }
  if (h0) checkFloat(name, 'hidden state', h0);
  if (c0) checkFloat(name, 'cell state', c0);

  const zerosH = () => full([B, outSize], 0, { dtype: x.dtype, backend: x.backend });
  const zerosC = () => full([B, hidden], 0, { dtype: x.dtype, backend: x.backend });
  const p = opts.dropout ?? 0;
  const hN: Tensor[] = [];
  const cN: Tensor[] = [];
  let layerIn = x;
  for (let l = 0; l < numLayers; l++) {
    const dirOuts: Tensor[] = [];
    for (let d = 0; d < dirs; d++) {
      const idx = l * dirs + d;
      const w = weights[idx];
      // For RNN and LSTM both biases sit outside any gate product: add them once, up front.
      // GRU's b_hn is multiplied by r, so only b_ih moves to the input projection.
      // F.linear: its weight gradient is one [G*H, T*B] x [T*B, in] matmul. As
      // layerIn.matmul(W_ih^T) on the 3-D input it was T batched products and a strided sum
      // over them: seq 32, batch 16, 64 -> 128 on wasm 6.6 ms + 20.2 ms a step (median of 9).
      // In float32 both RNN/LSTM biases go in as one [G*H] sum, so the [T, B, G*H] gradient
      // is reduced once for the two. Not in 16 bits, where the sum itself rounds: bfloat16
      // LSTM outputs then missed their tolerance by 1.66x.
      const fold = mode !== 'gru' && layerIn.dtype === 'float32' && w.bIh && w.bHh;
      let xp = linear(layerIn, w.wIh, fold ? w.bIh!.add(w.bHh!) : (w.bIh ?? null));
      if (!fold && w.bHh && mode !== 'gru') xp = xp.add(w.bHh);
      const hInit = h0 ? h0.select(0, idx) : zerosH();
      const cInit = mode === 'lstm' ? (c0 ? c0.select(0, idx) : zerosC()) : null;
      let r: StepResult;
      if (cInit && lstmSequenceApplies(xp, hInit, cInit, !!w.wHr)) {
        // The whole sequence as one autograd node (rnn-seq.ts).
        const [out, hT, cT] = lstmSequence(xp, hInit, cInit, w.wHh, d === 1);
        r = { out, h: hT, c: cT };
      } else r = runDirection(mode, xp, hInit, cInit, w, d === 1);
      dirOuts.push(r.out);
      hN.push(r.h);
      if (r.c) cN.push(r.c);
    }
    layerIn = dirs === 1 ? dirOuts[0] : cat(dirOuts, 2);
    if (p > 0 && opts.training && l < numLayers - 1) layerIn = dropout(layerIn, p, true);
  }
  let out = layerIn;
  let h = stack(hN, 0);
  let c = mode === 'lstm' ? stack(cN, 0) : null;
  if (unbatched) {
    out = out.squeeze(1);
    h = h.squeeze(1);
    c = c ? c.squeeze(1) : null;
  } else if (opts.batchFirst) out = out.transpose(0, 1);
  return [out, h, c];
}

/**
 * Elman RNN over a sequence: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).
 * input [T, B, in] ([B, T, in] with batchFirst, [T, in] unbatched); h0 [layers*dirs, B, hidden].
 * Returns [output, hN].
 */
export function rnn(
  input: Tensor,
  h0: Tensor | null | undefined,
  weights: readonly RnnLayerWeights[],
  opts: RnnOptions & { nonlinearity?: 'tanh' | 'relu' } = {},
): [Tensor, Tensor] {
  const mode: RnnMode = (opts.nonlinearity ?? 'tanh') === 'relu' ? 'rnnRelu' : 'rnnTanh';
  if (opts.nonlinearity && opts.nonlinearity !== 'tanh' && opts.nonlinearity !== 'relu') {
    throw new RangeError(
      `${opts.name ?? 'RNN'}: unknown nonlinearity '${opts.nonlinearity}' (expected 'tanh' or 'relu')`,
    );
  }
  return tidy(() => {
    const [out, h] = runRnn({ mode, input, h0: h0 ?? null, c0: null, weights, opts });
    return [out, h] as [Tensor, Tensor];
  });
}

/** LSTM over a sequence. hx = [h0, c0]; returns [output, [hN, cN]]. */
export function lstm(
  input: Tensor,
  hx: readonly [Tensor, Tensor] | null | undefined,
  weights: readonly RnnLayerWeights[],
  opts: RnnOptions = {},
): [Tensor, [Tensor, Tensor]] {
  if (hx && (!Array.isArray(hx) || hx.length !== 2)) {
    throw new TypeError(`${opts.name ?? 'LSTM'}: expected hx to be a pair [h0, c0]`);
  }
  return tidy(() => {
    const [out, h, c] = runRnn({
      mode: 'lstm',
      input,
      h0: hx?.[0] ?? null,
      c0: hx?.[1] ?? null,
      weights,
      opts,
    });
    return [out, [h, c!]] as [Tensor, [Tensor, Tensor]];
  });
}

/** GRU over a sequence (n = tanh(W_in x + b_in + r * (W_hn h + b_hn))). Returns [output, hN]. */
export function gru(
  input: Tensor,
  h0: Tensor | null | undefined,
  weights: readonly RnnLayerWeights[],
  opts: RnnOptions = {},
): [Tensor, Tensor] {
  return tidy(() => {
    const [out, h] = runRnn({ mode: 'gru', input, h0: h0 ?? null, c0: null, weights, opts });
    return [out, h] as [Tensor, Tensor];
  });
}

export { gruCell, lstmCell, rnnReluCell, rnnTanhCell } from './rnn-cell.js';
