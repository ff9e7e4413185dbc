/**
 * ONNX LSTM, GRU and RNN on core's F.lstm / F.gru / F.rnn. ONNX orders the gates differently
 * from PyTorch (LSTM i,o,f,c vs i,f,g,o; GRU z,r,h vs r,z,n), so each forward slices the
 * W / R / B initializers into PyTorch's order: the slices are views and cats of the
 * Parameters, so fine-tuning trains the initializers themselves.
 */

import { cat, F, full, type Tensor, tensor } from '@layers/core';
import type { Attrs } from '../attrs.js';
import { isHost, type Value } from '../values.js';
import type { OpContext, OpDef, OpTable } from './types.js';

type Kind = 'LSTM' | 'GRU' | 'RNN';

/** For each of PyTorch's gates, the index of the same gate in ONNX's order. */
const TORCH_FROM_ONNX: Record<Kind, number[]> = { LSTM: [0, 2, 3, 1], GRU: [1, 0, 2], RNN: [0] };

const DEFAULT_ACTIVATIONS: Record<Kind, string[]> = {
  LSTM: ['sigmoid', 'tanh', 'tanh'],
  GRU: ['sigmoid', 'tanh'],
  RNN: ['tanh'],
};

function reorder(m: Tensor, kind: Kind, hidden: number): Tensor {
  const order = TORCH_FROM_ONNX[kind];
  if (order.length === 1) return m;
  return cat(
    order.map((k) => m.narrow(0, k * hidden, hidden)),
    0,
  );
}

/** The activation list must be the one PyTorch's layers compute; RNN may use Relu. */
function nonlinearity(kind: Kind, attrs: Attrs, dirs: number): 'tanh' | 'relu' {
  const acts = (attrs.strings('activations') ?? []).map((a) => a.toLowerCase());
  const per = DEFAULT_ACTIVATIONS[kind].length;
  if (!acts.length) return 'tanh';
  const first = acts.slice(0, per);
  const same = acts.length === per * dirs && acts.every((a, i) => a === first[i % per]);
  if (kind === 'RNN' && same && (first[0] === 'tanh' || first[0] === 'relu')) return first[0];
  if (same && first.every((a, i) => a === DEFAULT_ACTIVATIONS[kind][i])) return 'tanh';
  throw attrs.unsupported(
    'activations',
    attrs.strings('activations'),
    `PyTorch's: ${DEFAULT_ACTIVATIONS[kind].join(', ')}${kind === 'RNN' ? ' or Relu' : ''}`,
  );
}

function checkAttrs(
  kind: Kind,
  attrs: Attrs,
  ctx: OpContext,
  seqLens: Value | undefined,
  steps: number,
): void {
  if (attrs.has('clip')) throw attrs.unsupported('clip', attrs.float('clip', 0), 'no cell clipping');
  if (attrs.int('input_forget', 0) !== 0) throw attrs.unsupported('input_forget', 1, '0');
  if (kind === 'GRU' && attrs.int('linear_before_reset', 0) !== 1) {
    throw attrs.unsupported(
      'linear_before_reset',
      0,
      "1: PyTorch's GRU applies the reset gate after the hidden projection",
    );
  }
  if (seqLens !== undefined) {
    if (!isHost(seqLens)) {
      throw new Error(
        `ONNX import: ${ctx.where}: sequence_lens is computed from tensor data; layers runs every sequence to full length`,
      );
    }
    if (seqLens.data.some((n) => n !== steps)) {
      throw attrs.unsupported(
        'sequence_lens',
        seqLens.data,
        `every sequence of full length ${steps} (no padding)`,
      );
    }
  }
}

function recurrent(kind: Kind): OpDef {
  return {
    device: (inputs, attrs, ctx) => {
      const [xv, wv, rv, bv, seqLens, h0v, c0v, pv] = inputs;
      if (pv !== undefined) throw attrs.unsupported('input P (peepholes)', 'given', 'no peephole weights');
      const layout = attrs.int('layout', 0);
      const direction = attrs.string('direction', 'forward');
      if (!['forward', 'reverse', 'bidirectional'].includes(direction)) {
        throw attrs.unsupported('direction', direction, 'forward, reverse, bidirectional');
      }
      const dirs = direction === 'bidirectional' ? 2 : 1;
      let x = ctx.t(xv, 'X');
      if (layout === 1) x = x.transpose(0, 1);
      const steps = x.shape[0];
      checkAttrs(kind, attrs, ctx, seqLens, steps);
      const act = nonlinearity(kind, attrs, dirs);
      const W = ctx.t(wv, 'W');
      const R = ctx.t(rv, 'R');
      const B = bv !== undefined ? ctx.t(bv, 'B') : null;
      const hidden = attrs.int('hidden_size', R.shape[2]);
      const gh = R.shape[1];
      const weights = Array.from({ length: dirs }, (_, d) => ({
        wIh: reorder(W.select(0, d), kind, hidden),
        wHh: reorder(R.select(0, d), kind, hidden),
        bIh: B ? reorder(B.select(0, d).narrow(0, 0, gh), kind, hidden) : null,
        bHh: B ? reorder(B.select(0, d).narrow(0, gh, gh), kind, hidden) : null,
      }));
      const state = (v: Value | undefined, what: string): Tensor | null => {
        if (v === undefined) return null;
        const s = ctx.t(v, what);
        return layout === 1 ? s.transpose(0, 1) : s;
      };
      let h0 = state(h0v, 'initial_h');
      let c0 = kind === 'LSTM' ? state(c0v, 'initial_c') : null;
      const zeros = () => full([dirs, x.shape[1], hidden], 0, { backend: ctx.backend });
      if (kind === 'LSTM' && (h0 || c0)) {
        h0 = h0 ?? zeros();
        c0 = c0 ?? zeros();
      }
      // ONNX's reverse direction reads the sequence backwards; core's layers run forward only.
      const flip = (t: Tensor) =>
        t.indexSelect(
          0,
          tensor(
            Int32Array.from({ length: steps }, (_, i) => steps - 1 - i),
            { backend: ctx.backend },
          ),
        );
      const input = direction === 'reverse' ? flip(x) : x;
      const opts = { bidirectional: dirs === 2, name: kind };
      let out: Tensor;
      let hN: Tensor;
      let cN: Tensor | null = null;
      if (kind === 'LSTM') [out, [hN, cN]] = F.lstm(input, h0 && c0 ? [h0, c0] : null, weights, opts);
      else if (kind === 'GRU') [out, hN] = F.gru(input, h0, weights, opts);
      else [out, hN] = F.rnn(input, h0, weights, { ...opts, nonlinearity: act });
      if (direction === 'reverse') out = flip(out);
      const batch = x.shape[1];
      // core gives [T, B, dirs * H]; ONNX's Y is [T, dirs, B, H] (layout 1: [B, T, dirs, H]).
      let y = out.reshape([steps, batch, dirs, hidden]);
      y = layout === 1 ? y.transpose(0, 1) : y.permute([0, 2, 1, 3]);
      const fix = (s: Tensor) => (layout === 1 ? s.transpose(0, 1) : s);
      return kind === 'LSTM' ? [y, fix(hN), fix(cN!)] : [y, fix(hN)];
    },
  };
}

/** @internal */
export const RNN_OPS: OpTable = { LSTM: recurrent('LSTM'), GRU: recurrent('GRU'), RNN: recurrent('RNN') };
