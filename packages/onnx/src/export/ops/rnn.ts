/**
 * RNN, LSTM, GRU (several layers, bidirectional, batchFirst, unbatched) and their cells as
 * ONNX's RNN / LSTM / GRU ops, one op per layer. ONNX orders the gates differently: LSTM is
 * i, o, f, c (PyTorch i, f, g, o) and GRU z, r, h (PyTorch r, z, n); GRU needs
 * linear_before_reset = 1 for PyTorch's n = tanh(W x + b + r * (R h + b_r)).
 */
import { nn, type Tensor } from '@layers/core';
import type { Graph, Value } from '../graph.js';
import { registerAll } from '../registry.js';

type Kind = 'RNN' | 'LSTM' | 'GRU';
/** ONNX gate k takes PyTorch gate ORDER[k]. */
const ORDER: Record<Kind, number[]> = { RNN: [0], LSTM: [0, 3, 1, 2], GRU: [1, 0, 2] };

/** A [G*H, ...] parameter with its gates in ONNX's order. */
function reorder(g: Graph, kind: Kind, H: number, t: string): string {
  if (kind === 'RNN') return t;
  const gate = (k: number) => g.op('Slice', [t, g.ints([k * H]), g.ints([(k + 1) * H]), g.ints([0])]);
  return g.op('Concat', ORDER[kind].map(gate), { axis: 0 });
}

/** Per-direction tensors stacked on a new leading axis: [D, ...]. */
function stackDirs(g: Graph, parts: string[]): string {
  const up = parts.map((p) => g.op('Unsqueeze', [p, g.ints([0])]));
  return up.length === 1 ? up[0] : g.op('Concat', up, { axis: 0 });
}

/** The weights of one layer (all directions), as W, R and B initialisers ('' when no bias). */
interface LayerParams {
  wIh: Tensor[];
  wHh: Tensor[];
  bIh: Tensor[] | null;
  bHh: Tensor[] | null;
}

function weights(g: Graph, kind: Kind, H: number, p: LayerParams): [string, string, string] {
  const gates = (t: Tensor) => reorder(g, kind, H, g.param(t));
  const W = stackDirs(g, p.wIh.map(gates));
  const R = stackDirs(g, p.wHh.map(gates));
  if (!p.bIh || !p.bHh) return [W, R, ''];
  const bHh = p.bHh;
  const B = stackDirs(
    g,
    p.bIh.map((b, d) => g.op('Concat', [gates(b), gates(bHh[d])], { axis: 0 })),
  );
  return [W, R, B];
}

/** One ONNX recurrent op: outputs Y [T, D, N, H], Y_h [D, N, H] (and Y_c for LSTM). */
function recurrent(
  g: Graph,
  kind: Kind,
  X: string,
  [W, R, B]: [string, string, string],
  H: number,
  D: number,
  h0: string,
  c0: string,
  nonlinearity: 'tanh' | 'relu',
): string[] {
  const inputs = [X, W, R, B, '', h0];
  if (kind === 'LSTM') inputs.push(c0);
  while (inputs[inputs.length - 1] === '') inputs.pop();
  const attrs: Record<string, number | string | string[]> = {
    hidden_size: H,
    direction: D === 2 ? 'bidirectional' : 'forward',
  };
  if (kind === 'RNN') attrs.activations = new Array(D).fill(nonlinearity === 'relu' ? 'Relu' : 'Tanh');
  if (kind === 'GRU') attrs.linear_before_reset = 1;
  return g.node(kind, inputs, attrs, kind === 'LSTM' ? 3 : 2);
}

type RNNModule = nn.RNN | nn.LSTM | nn.GRU;
const kindOf = (m: nn.Module): Kind =>
  m instanceof nn.LSTM || m instanceof nn.LSTMCell
    ? 'LSTM'
    : m instanceof nn.GRU || m instanceof nn.GRUCell
      ? 'GRU'
      : 'RNN';

function exportRnn(g: Graph, m: RNNModule, [xv, hx]: unknown[]): unknown {
  const x = xv as Value;
  const kind = kindOf(m);
  if (m.projSize > 0) {
    throw new Error(`exportModel: cannot export ${g.pathOf(m)} with projSize: ONNX's LSTM has no projection`);
  }
  const D = m.bidirectional ? 2 : 1;
  const H = m.hiddenSize;
  const unbatched = x.rank === 2;
  const [h0v, c0v] =
    kind === 'LSTM' ? ((hx as Value[] | null | undefined) ?? [null, null]) : [hx as Value | null, null];
  // ONNX wants [T, N, ...] and [L*D, N, H]; `op` adds (Unsqueeze) or drops (Squeeze) the batch of an unbatched input.
  const layout = (op: 'Unsqueeze' | 'Squeeze') => (v: string) =>
    unbatched ? g.op(op, [v, g.ints([1])]) : m.batchFirst ? g.op('Transpose', [v], { perm: [1, 0, 2] }) : v;
  const toTN = layout('Unsqueeze');
  const state = (v: Value | null | undefined) =>
    v ? (unbatched ? g.op('Unsqueeze', [v.name, g.ints([1])]) : v.name) : '';
  const h0 = state(h0v);
  const c0 = state(c0v);
  const get = (n: string) => (m as unknown as Record<string, Tensor | null>)[n] as Tensor;
  let seq = toTN(x.name);
  const hs: string[] = [];
  const cs: string[] = [];
  for (let l = 0; l < m.numLayers; l++) {
    const sfx = Array.from({ length: D }, (_, d) => `_l${l}${d === 1 ? '_reverse' : ''}`);
    const p: LayerParams = {
      wIh: sfx.map((s) => get(`weight_ih${s}`)),
      wHh: sfx.map((s) => get(`weight_hh${s}`)),
      bIh: m.bias ? sfx.map((s) => get(`bias_ih${s}`)) : null,
      bHh: m.bias ? sfx.map((s) => get(`bias_hh${s}`)) : null,
    };
    const slice = (s: string) =>
      s ? g.op('Slice', [s, g.ints([l * D]), g.ints([(l + 1) * D]), g.ints([0])]) : '';
    const [Y, Yh, Yc] = recurrent(
      g,
      kind,
      seq,
      weights(g, kind, H, p),
      H,
      D,
      slice(h0),
      slice(c0),
      nonlinearityOf(m),
    );
    // [T, D, N, H] → [T, N, D*H]: both directions' features side by side, as PyTorch.
    seq = g.op('Reshape', [g.op('Transpose', [Y], { perm: [0, 2, 1, 3] }), g.ints([0, 0, -1])]);
    hs.push(Yh);
    if (Yc) cs.push(Yc);
  }
  const fromTN = layout('Squeeze');
  const stack = (list: string[]) => {
    const s = list.length === 1 ? list[0] : g.op('Concat', list, { axis: 0 });
    return unbatched ? g.op('Squeeze', [s, g.ints([1])]) : g.op('Identity', [s]);
  };
  const out = fromTN(seq);
  return kind === 'LSTM' ? [out, [stack(hs), stack(cs)]] : [out, stack(hs)];
}

function nonlinearityOf(m: nn.Module): 'tanh' | 'relu' {
  return (m as { nonlinearity?: 'tanh' | 'relu' }).nonlinearity ?? 'tanh';
}

registerAll([nn.RNN, nn.LSTM, nn.GRU], exportRnn);

type CellModule = nn.RNNCell | nn.LSTMCell | nn.GRUCell;

// A cell is its recurrent op over a one-step sequence.
function exportCell(g: Graph, m: CellModule, [xv, hx]: unknown[]): unknown {
  const x = xv as Value;
  const kind = kindOf(m);
  const H = m.hiddenSize;
  const axes = x.rank === 1 ? [0, 1] : [0];
  const up = (v: Value | null | undefined) => (v ? g.op('Unsqueeze', [v.name, g.ints(axes)]) : '');
  const [h0v, c0v] =
    kind === 'LSTM' ? ((hx as Value[] | null | undefined) ?? [null, null]) : [hx as Value | null, null];
  const p: LayerParams = {
    wIh: [m.weight_ih],
    wHh: [m.weight_hh],
    bIh: m.bias_ih ? [m.bias_ih] : null,
    bHh: m.bias_hh ? [m.bias_hh] : null,
  };
  const outs = recurrent(g, kind, up(x), weights(g, kind, H, p), H, 1, up(h0v), up(c0v), nonlinearityOf(m));
  const down = (v: string) => g.op('Squeeze', [v, g.ints(axes)]);
  return kind === 'LSTM' ? [down(outs[1]), down(outs[2])] : down(outs[1]);
}

registerAll([nn.RNNCell, nn.LSTMCell, nn.GRUCell], exportCell);
