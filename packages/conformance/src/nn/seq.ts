/**
 * Fixture ops of family nn-seq (tooling/fixtures/nn_seq.py): recurrent layers, attention and
 * transformers. Module cases carry their data inputs first (attrs.nData of them, null where
 * absent) and then one tensor per PyTorch parameter, named in attrs.params: the module is
 * built from attrs (constructor arguments, camelCase options), put in eval mode, and run via
 * nn.functionalCall with those names, so every gradient reaches a fixture tensor and the
 * state-dict names are checked at the same time.
 */
import * as L from '@layers/core';
import type { Arg, OpFn } from '../ops.js';
import { inDTypeOf } from './dtype.js';

type Attrs = Record<string, any>;
const T = (a: Arg): L.Tensor => a as L.Tensor;
const opt = (a: Arg): L.Tensor | null => (a === null ? null : (a as L.Tensor));

/** Split args into data inputs and the {name: tensor} parameter map. */
function split(args: Arg[], at: Attrs): [Arg[], Record<string, L.Tensor>] {
  const n: number = at.nData;
  const names: string[] = at.params;
  return [args.slice(0, n), Object.fromEntries(names.map((k, i) => [k, T(args[n + i])]))];
}

function run<R>(m: L.nn.Module, args: Arg[], at: Attrs, call: (data: Arg[]) => unknown[]): R {
  m.eval();
  const [data, params] = split(args, at);
  const first = data.find((d): d is L.Tensor => d instanceof L.Tensor);
  if (first) inDTypeOf(m, first);
  return L.nn.functionalCall<R>(m, params, ...call(data));
}

const layerOpts = (at: Attrs) => at.opts as Record<string, any>;

export const SEQ_OPS: Record<string, OpFn> = {
  'nn.rnn': (a, at) => {
    const m = new L.nn.RNN(at.args[0], at.args[1], layerOpts(at));
    const [out, h] = run<[L.Tensor, L.Tensor]>(m, a, at, ([x, h0]) => [T(x), opt(h0)]);
    return [out, h];
  },
  'nn.lstm': (a, at) => {
    const m = new L.nn.LSTM(at.args[0], at.args[1], layerOpts(at));
    const [out, [h, c]] = run<[L.Tensor, [L.Tensor, L.Tensor]]>(m, a, at, ([x, h0, c0]) => [
      T(x),
      h0 ? [T(h0), T(c0)] : null,
    ]);
    return [out, h, c];
  },
  'nn.gru': (a, at) => {
    const m = new L.nn.GRU(at.args[0], at.args[1], layerOpts(at));
    const [out, h] = run<[L.Tensor, L.Tensor]>(m, a, at, ([x, h0]) => [T(x), opt(h0)]);
    return [out, h];
  },
  'nn.rnnCell': (a, at) =>
    run<L.Tensor>(new L.nn.RNNCell(at.args[0], at.args[1], layerOpts(at)), a, at, ([x, h]) => [T(x), opt(h)]),
  'nn.gruCell': (a, at) =>
    run<L.Tensor>(new L.nn.GRUCell(at.args[0], at.args[1], layerOpts(at)), a, at, ([x, h]) => [T(x), opt(h)]),
  'nn.lstmCell': (a, at) =>
    run<[L.Tensor, L.Tensor]>(
      new L.nn.LSTMCell(at.args[0], at.args[1], layerOpts(at)),
      a,
      at,
      ([x, h, c]) => [T(x), h ? [T(h), T(c)] : null],
    ),

  scaledDotProductAttention: ([q, k, v, mask], at) =>
    L.F.scaledDotProductAttention(T(q), T(k), T(v), {
      attnMask: opt(mask),
      isCausal: at.isCausal,
      scale: at.scale ?? null,
    }),

  'nn.multiheadAttention': (a, at) => {
    const m = new L.nn.MultiheadAttention(at.args[0], at.args[1], layerOpts(at));
    const [out, w] = run<[L.Tensor, L.Tensor | null]>(m, a, at, ([q, k, v, kpm, mask]) => {
      const query = T(q);
      return [
        query,
        at.selfAttn ? query : T(k),
        at.selfAttn ? query : T(v),
        {
          keyPaddingMask: opt(kpm),
          attnMask: opt(mask),
          needWeights: at.needWeights,
          averageAttnWeights: at.averageAttnWeights,
        },
      ];
    });
    return at.needWeights ? [out, w!] : out;
  },

  'nn.transformerEncoderLayer': (a, at) =>
    run<L.Tensor>(
      new L.nn.TransformerEncoderLayer(at.args[0], at.args[1], layerOpts(at)),
      a,
      at,
      ([s, m, k]) => [T(s), { srcMask: opt(m), srcKeyPaddingMask: opt(k) }],
    ),
  'nn.transformerDecoderLayer': (a, at) =>
    run<L.Tensor>(
      new L.nn.TransformerDecoderLayer(at.args[0], at.args[1], layerOpts(at)),
      a,
      at,
      ([t, mem, tm, mm, tk, mk]) => [
        T(t),
        T(mem),
        { tgtMask: opt(tm), memoryMask: opt(mm), tgtKeyPaddingMask: opt(tk), memoryKeyPaddingMask: opt(mk) },
      ],
    ),
  'nn.transformerEncoder': (a, at) => {
    const layer = new L.nn.TransformerEncoderLayer(at.args[0], at.args[1], layerOpts(at));
    const norm = at.norm ? new L.nn.LayerNorm(at.args[0]) : null;
    const m = new L.nn.TransformerEncoder(layer, at.numLayers, { norm });
    return run<L.Tensor>(m, a, at, ([s, mk, k]) => [T(s), { mask: opt(mk), srcKeyPaddingMask: opt(k) }]);
  },
  'nn.transformerDecoder': (a, at) => {
    const layer = new L.nn.TransformerDecoderLayer(at.args[0], at.args[1], layerOpts(at));
    const norm = at.norm ? new L.nn.LayerNorm(at.args[0]) : null;
    const m = new L.nn.TransformerDecoder(layer, at.numLayers, { norm });
    return run<L.Tensor>(m, a, at, ([t, mem, tm, mk]) => [
      T(t),
      T(mem),
      { tgtMask: opt(tm), memoryKeyPaddingMask: opt(mk) },
    ]);
  },
  'nn.transformer': (a, at) =>
    run<L.Tensor>(new L.nn.Transformer(layerOpts(at)), a, at, ([s, t, sm, tm, mm, sk, tk, mk]) => [
      T(s),
      T(t),
      {
        srcMask: opt(sm),
        tgtMask: opt(tm),
        memoryMask: opt(mm),
        srcKeyPaddingMask: opt(sk),
        tgtKeyPaddingMask: opt(tk),
        memoryKeyPaddingMask: opt(mk),
      },
    ]),
  // The interchange requirement: PyTorch's state dict loads by name with loadStateDict (strict:
  // every key must match both ways) and reproduces PyTorch's output.
  'nn.transformerStateDict': (a, at) => {
    const m = new L.nn.Transformer(layerOpts(at));
    const [[src, tgt, tgtMask], dict] = split(a, at);
    m.loadStateDict(dict);
    m.eval();
    return L.noGrad(() => m.forward(T(src), T(tgt), { tgtMask: T(tgtMask) }));
  },
  generateSquareSubsequentMask: (_a, at) => L.nn.Transformer.generateSquareSubsequentMask(at.n),
};
