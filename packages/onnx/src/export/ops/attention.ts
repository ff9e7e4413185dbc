/**
 * MultiheadAttention as MatMul/Softmax nodes, step for step as layers'
 * multiHeadAttentionForward (PyTorch's multi_head_attention_forward): projections, bias_k /
 * bias_v, add_zero_attn, bool masks (true = masked out) turned into -inf, float masks added,
 * key padding broadcast over heads, optional (averaged) weights, batchFirst and unbatched
 * inputs. isCausal without a mask builds the causal mask from the runtime lengths.
 */
import { nn, type Tensor } from '@layers/core';
import type { Graph, Value } from '../graph.js';
import { registerExporter } from '../registry.js';
import { shapeSlice } from './basic.js';

/** Rows [start, start + rows) of a [*, in] weight, transposed to [in, rows] for MatMul. */
function projT(g: Graph, w: Tensor, start: number, rows: number): string {
  const part = rows === w.shape[0] ? g.param(w) : sliceRows(g, g.param(w), start, rows);
  return g.op('Transpose', [part], { perm: [1, 0] });
}

/** Rows [start, start + rows) along axis 0. */
function sliceRows(g: Graph, x: string, start: number, rows: number): string {
  return g.op('Slice', [x, g.ints([start]), g.ints([start + rows]), g.ints([0])]);
}

function project(g: Graph, x: string, w: string, b: Tensor | null, start: number, E: number): string {
  const y = g.op('MatMul', [x, w]);
  if (!b) return y;
  return g.op('Add', [y, sliceRows(g, g.param(b), start, E)]);
}

/** A bool "true = masked out" mask as -inf / 0; float masks pass through. */
function floatMask(g: Graph, v: Value): string {
  if (v.dtype === 'bool') return g.op('Where', [v.name, g.scalar(Number.NEGATIVE_INFINITY), g.scalar(0)]);
  return v.name;
}

/** One zero column appended to the last axis of a rank-r mask (for bias_k and add_zero_attn). */
function padLast(g: Graph, mask: string, rank: number): string {
  const pads = new Array(2 * rank).fill(0);
  pads[2 * rank - 1] = 1;
  return g.op('Pad', [mask, g.ints(pads)]);
}

/** Dim `axis` of x's runtime shape as a scalar int64. */
function dimOf(g: Graph, x: string, axis: number): string {
  return g.op('Gather', [g.op('Shape', [x]), g.ints([axis], [])], { axis: 0 });
}

interface MhaOptions {
  keyPaddingMask?: Value | null;
  needWeights?: boolean;
  attnMask?: Value | null;
  averageAttnWeights?: boolean;
  isCausal?: boolean;
}

registerExporter(nn.MultiheadAttention, (g, m, [qv, kv, vv, o]) => {
  const query = qv as Value;
  const opts = (o ?? {}) as MhaOptions;
  const E = m.embedDim;
  const H = m.numHeads;
  const hd = m.headDim;
  const batched = query.rank === 3;
  const flip = m.batchFirst && batched;
  // To [len, N, E].
  const prep = (v: Value) =>
    flip
      ? g.op('Transpose', [v.name], { perm: [1, 0, 2] })
      : batched
        ? v.name
        : g.op('Unsqueeze', [v.name, g.ints([1])]);
  const q0 = prep(query);
  const k0 = kv === qv ? q0 : prep(kv as Value);
  const v0 = vv === qv ? q0 : vv === kv ? k0 : prep(vv as Value);

  const b = m.in_proj_bias;
  let q: string;
  let k: string;
  let v: string;
  if (m.in_proj_weight) {
    const w = m.in_proj_weight;
    q = project(g, q0, projT(g, w, 0, E), b, 0, E);
    k = project(g, k0, projT(g, w, E, E), b, E, E);
    v = project(g, v0, projT(g, w, 2 * E, E), b, 2 * E, E);
  } else {
    q = project(g, q0, projT(g, m.q_proj_weight as Tensor, 0, E), b, 0, E);
    k = project(g, k0, projT(g, m.k_proj_weight as Tensor, 0, E), b, E, E);
    v = project(g, v0, projT(g, m.v_proj_weight as Tensor, 0, E), b, 2 * E, E);
  }

  let mask: string | null = null;
  let maskRank = 3;
  if (opts.attnMask) {
    mask = floatMask(g, opts.attnMask);
    maskRank = opts.attnMask.rank;
  } else if (opts.isCausal) {
    // Key j is hidden from query i when j > i.
    const range = (x: string) => g.op('Range', [g.ints([0], []), dimOf(g, x, 0), g.ints([1], [])]);
    const rows = g.op('Unsqueeze', [range(q0), g.ints([1])]);
    const cols = g.op('Unsqueeze', [range(k0), g.ints([0])]);
    const above = g.op('Less', [rows, cols]);
    mask = g.op('Where', [above, g.scalar(Number.NEGATIVE_INFINITY), g.scalar(0)]);
    maskRank = 2;
  }
  let kpm: string | null = null;
  if (opts.keyPaddingMask) {
    kpm = floatMask(g, opts.keyPaddingMask);
    if (!batched) kpm = g.op('Unsqueeze', [kpm, g.ints([0])]);
  }
  const padMasks = () => {
    if (mask) mask = padLast(g, mask, maskRank);
    if (kpm) kpm = padLast(g, kpm, 2);
  };
  if (m.bias_k && m.bias_v) {
    // bias_k [1, 1, E] repeated over the batch: one more key and value position.
    const batch = g.op(
      'Concat',
      [g.ints([1]), g.op('Slice', [g.op('Shape', [k]), g.ints([1]), g.ints([2]), g.ints([0])]), g.ints([1])],
      {
        axis: 0,
      },
    );
    k = g.op('Concat', [k, g.op('Expand', [g.param(m.bias_k), batch])], { axis: 0 });
    v = g.op('Concat', [v, g.op('Expand', [g.param(m.bias_v), batch])], { axis: 0 });
    padMasks();
  }
  // [len, N, E] → [N*H, len, hd].
  const heads = (t: string) =>
    g.op('Transpose', [g.op('Reshape', [t, g.ints([0, -1, hd])])], { perm: [1, 0, 2] });
  const qh = heads(q);
  let kh = heads(k);
  let vh = heads(v);
  if (m.addZeroAttn) {
    const nh = g.op('Slice', [g.op('Shape', [kh]), g.ints([0]), g.ints([1]), g.ints([0])]);
    const zeros = g.op('Expand', [
      g.floats(new Array(hd).fill(0), [1, 1, hd]),
      g.op('Concat', [nh, g.ints([1, 1])], { axis: 0 }),
    ]);
    kh = g.op('Concat', [kh, zeros], { axis: 1 });
    vh = g.op('Concat', [vh, zeros], { axis: 1 });
    padMasks();
  }
  const scaled = g.op('Mul', [qh, g.scalar(1 / Math.sqrt(hd))]);
  let scores = g.op('MatMul', [scaled, g.op('Transpose', [kh], { perm: [0, 2, 1] })]); // [N*H, L, S]
  if (mask) scores = g.op('Add', [scores, mask]);
  // [N*H, L, S] ↔ [N, H, L, S]; L and S come from the runtime shape (Reshape's 0 keeps a dim only in place).
  const splitHeads = (t: string) =>
    g.op('Reshape', [t, g.op('Concat', [g.ints([-1, H]), shapeSlice(g, t, 1, 3)], { axis: 0 })]);
  if (kpm) {
    const added = g.op('Add', [splitHeads(scores), g.op('Unsqueeze', [kpm, g.ints([1, 2])])]);
    scores = g.op('Reshape', [
      added,
      g.op('Concat', [g.ints([-1]), shapeSlice(g, added, 2, 4)], { axis: 0 }),
    ]);
  }
  const w = g.op('Softmax', [scores], { axis: -1 });
  const ctx = g.op('Reshape', [
    g.op('Transpose', [g.op('MatMul', [w, vh])], { perm: [1, 0, 2] }),
    g.ints([0, -1, E]),
  ]);
  const op = m.out_proj;
  let out = g.op('MatMul', [ctx, projT(g, op.weight, 0, E)]);
  if (op.bias) out = g.op('Add', [out, g.param(op.bias)]);
  out = flip
    ? g.op('Transpose', [out], { perm: [1, 0, 2] })
    : batched
      ? out
      : g.op('Squeeze', [out, g.ints([1])]);
  let attn: string | null = null;
  if (opts.needWeights ?? true) {
    attn = splitHeads(w);
    if (opts.averageAttnWeights ?? true) attn = g.op('ReduceMean', [attn], { axes: [1], keepdims: 0 });
    if (!batched) attn = g.op('Squeeze', [attn, g.ints([0])]);
  }
  return [out, attn];
});
