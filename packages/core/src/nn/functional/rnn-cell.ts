/**
 * The single-step cells F.rnnTanhCell, F.rnnReluCell, F.lstmCell and F.gruCell: one step of
 * rnn.ts's per-step recurrence, with the cells' own shape checks and unbatched forms.
 */
import { full } from '../../ops/creation.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptionalTensor, checkTensor } from '../validate.js';
import { checkFloat, GATES, type RnnLayerWeights, type RnnMode, runDirection } from './rnn.js';

interface CellArgs {
  mode: RnnMode;
  name: string;
  input: Tensor;
  h: Tensor | null;
  c: Tensor | null;
  w: RnnLayerWeights;
}

function runCell(a: CellArgs): [Tensor, Tensor | null] {
  const { mode, name, w } = a;
  checkTensor(name, 'input', a.input);
  checkOptionalTensor(name, mode === 'lstm' ? 'hx[0]' : 'hx', a.h);
  checkOptionalTensor(name, 'hx[1]', a.c);
  const G = GATES[mode];
  const hidden = w.wHh.shape[0] / G;
  const inputSize = w.wIh.shape[1];
  checkFloat(name, 'input', a.input);
  if (a.input.ndim !== 1 && a.input.ndim !== 2) {
    throw new RangeError(
      `${name} expected a 1-D (unbatched) or 2-D (batched) input, got ${a.input.ndim}-D input of shape ${fmtShape(a.input.shape)}`,
    );
  }
  if (a.input.shape[a.input.ndim - 1] !== inputSize) {
    throw new RangeError(
      `${name} expected input with ${inputSize} features, got ${a.input.shape[a.input.ndim - 1]} (input shape ${fmtShape(a.input.shape)})`,
    );
  }
  const unbatched = a.input.ndim === 1;
  const x = unbatched ? a.input.unsqueeze(0) : a.input;
  const B = x.shape[0];
  const expected = unbatched ? [hidden] : [B, hidden];
  for (const [t, what] of [
    [a.h, mode === 'lstm' ? 'hx[0]' : 'hx'],
    [a.c, 'hx[1]'],
  ] as const) {
    if (t && (t.ndim !== expected.length || t.shape.some((s, i) => s !== expected[i]))) {
      throw new RangeError(
        `${name} expected ${what} of shape ${fmtShape(expected)}, got ${fmtShape(t.shape)}`,
      );
    }
  }
  const lift = (t: Tensor | null) =>
    t ? (unbatched ? t.unsqueeze(0) : t) : full([B, hidden], 0, { backend: x.backend });
  let xp = x.matmul(w.wIh.t());
  if (w.bIh) xp = xp.add(w.bIh);
  if (w.bHh && mode !== 'gru') xp = xp.add(w.bHh);
  const r = runDirection(mode, xp.unsqueeze(0), lift(a.h), mode === 'lstm' ? lift(a.c) : null, w, false);
  const drop = (t: Tensor) => (unbatched ? t.squeeze(0) : t);
  return [drop(r.h), r.c ? drop(r.c) : null];
}

function cellWeights(wIh: Tensor, wHh: Tensor, bIh?: Tensor | null, bHh?: Tensor | null): RnnLayerWeights {
  return { wIh, wHh, bIh: bIh ?? null, bHh: bHh ?? null };
}

/** One step of a cell whose whole state is h (RNN, GRU). */
function stateCell(
  mode: RnnMode,
  name: string,
  input: Tensor,
  hx: Tensor | null | undefined,
  w: RnnLayerWeights,
): Tensor {
  return tidy(() => runCell({ mode, name, input, h: hx ?? null, c: null, w })[0]);
}

/** One tanh RNN step: tanh(x W_ih^T + b_ih + h W_hh^T + b_hh). */
export function rnnTanhCell(
  input: Tensor,
  hx: Tensor | null | undefined,
  wIh: Tensor,
  wHh: Tensor,
  bIh?: Tensor | null,
  bHh?: Tensor | null,
): Tensor {
  return stateCell('rnnTanh', 'RNNCell', input, hx, cellWeights(wIh, wHh, bIh, bHh));
}

/** One relu RNN step. */
export function rnnReluCell(
  input: Tensor,
  hx: Tensor | null | undefined,
  wIh: Tensor,
  wHh: Tensor,
  bIh?: Tensor | null,
  bHh?: Tensor | null,
): Tensor {
  return stateCell('rnnRelu', 'RNNCell', input, hx, cellWeights(wIh, wHh, bIh, bHh));
}

/** One LSTM step; hx = [h, c]. Returns [h', c']. */
export function lstmCell(
  input: Tensor,
  hx: readonly [Tensor, Tensor] | null | undefined,
  wIh: Tensor,
  wHh: Tensor,
  bIh?: Tensor | null,
  bHh?: Tensor | null,
): [Tensor, Tensor] {
  return tidy(() => {
    const [h, c] = runCell({
      mode: 'lstm',
      name: 'LSTMCell',
      input,
      h: hx?.[0] ?? null,
      c: hx?.[1] ?? null,
      w: cellWeights(wIh, wHh, bIh, bHh),
    });
    return [h, c!] as [Tensor, Tensor];
  });
}

/** One GRU step. */
export function gruCell(
  input: Tensor,
  hx: Tensor | null | undefined,
  wIh: Tensor,
  wHh: Tensor,
  bIh?: Tensor | null,
  bHh?: Tensor | null,
): Tensor {
  return stateCell('gru', 'GRUCell', input, hx, cellWeights(wIh, wHh, bIh, bHh));
}
