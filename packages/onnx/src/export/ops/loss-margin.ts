/**
 * The margin, ranking and likelihood losses and the distance modules, written as layers'
 * formulas (core's nn/functional/loss-margin.ts, loss-prob.ts, distance.ts). MultiLabelMarginLoss
 * and CTCLoss are refused: their targets select per-row sets of classes or alignments.
 */
import { nn } from '@layers/core';
import type { Graph, Value } from '../graph.js';
import { refuseExport, registerExporter } from '../registry.js';

function reduce(g: Graph, x: string, reduction: string): string {
  if (reduction === 'none') return x;
  return g.op(reduction === 'sum' ? 'ReduceSum' : 'ReduceMean', [x], { keepdims: 0 });
}
const v = (a: unknown) => a as Value;
/** A ±1 target as float32 (int32 targets are promoted, as in layers). */
const asFloat = (g: Graph, t: Value) => (t.dtype === 'float32' ? t.name : g.op('Cast', [t.name], { to: 1 }));
const sumLast = (g: Graph, x: string, keepdims = 0) => g.op('ReduceSum', [x, g.ints([-1])], { keepdims });

/** ||x1 - x2 + eps||_p along the last dim (core's pNorm for each p). */
function pairwise(g: Graph, x1: string, x2: string, p: number, eps: number, keepdim: boolean): string {
  const d = g.op('Add', [g.op('Sub', [x1, x2]), g.scalar(eps)]);
  const keepdims = keepdim ? 1 : 0;
  const axes = g.ints([-1]);
  if (p === Number.POSITIVE_INFINITY) return g.op('ReduceMax', [g.op('Abs', [d])], { axes: [-1], keepdims });
  if (p === 0) {
    const nz = g.op('Cast', [g.op('Not', [g.op('Equal', [d, g.scalar(0)])])], { to: 1 });
    return g.op('ReduceSum', [nz, axes], { keepdims });
  }
  if (p === 1) return g.op('ReduceSum', [g.op('Abs', [d]), axes], { keepdims });
  if (p === 2) return g.op('Sqrt', [g.op('ReduceSum', [g.op('Mul', [d, d]), axes], { keepdims })]);
  const s = g.op('ReduceSum', [g.op('Pow', [g.op('Abs', [d]), g.scalar(p)]), axes], { keepdims });
  return g.op('Pow', [s, g.scalar(1 / p)]);
}

registerExporter(nn.MarginRankingLoss, (g, m, [a, b, t]) => {
  const y = asFloat(g, v(t));
  const z = g.op('Add', [
    g.op('Mul', [g.op('Neg', [y]), g.op('Sub', [v(a).name, v(b).name])]),
    g.scalar(m.margin),
  ]);
  return reduce(g, g.op('Relu', [z]), m.reduction);
});

registerExporter(nn.HingeEmbeddingLoss, (g, m, [xv, t]) => {
  const x = v(xv).name;
  const y = asFloat(g, v(t));
  const hinge = g.op('Relu', [g.op('Sub', [g.scalar(m.margin), x])]);
  const notIs = (k: number) => g.op('Not', [g.op('Equal', [y, g.scalar(k)])]);
  const marginTerm = g.op('Where', [notIs(1), hinge, g.scalar(0)]);
  const selfTerm = g.op('Where', [notIs(-1), x, g.scalar(0)]);
  return reduce(g, g.op('Add', [marginTerm, selfTerm]), m.reduction);
});

registerExporter(nn.SoftMarginLoss, (g, m, [xv, t]) => {
  const z = g.op('Neg', [g.op('Mul', [v(xv).name, asFloat(g, v(t))])]);
  return reduce(g, g.op('Softplus', [z]), m.reduction);
});

// -(y log sigmoid(x) + (1 - y) log sigmoid(-x)) = y softplus(-x) + (1 - y) softplus(x).
registerExporter(nn.MultiLabelSoftMarginLoss, (g, m, [xv, t]) => {
  const x = v(xv);
  const y = asFloat(g, v(t));
  const pos = g.op('Mul', [y, g.op('Softplus', [g.op('Neg', [x.name])])]);
  const neg = g.op('Mul', [g.op('Sub', [g.scalar(1), y]), g.op('Softplus', [x.name])]);
  let loss = g.op('Add', [pos, neg]);
  if (m.weight) loss = g.op('Mul', [loss, g.param(m.weight)]);
  const perRow = g.op('Div', [sumLast(g, loss), g.scalar(x.shape[x.rank - 1])]);
  return reduce(g, perRow, m.reduction);
});

registerExporter(nn.TripletMarginLoss, (g, m, [av, pv, nv]) => {
  const [a, p, n] = [v(av).name, v(pv).name, v(nv).name];
  const dPos = pairwise(g, a, p, m.p, m.eps, false);
  let dNeg = pairwise(g, a, n, m.p, m.eps, false);
  if (m.swap) dNeg = g.op('Min', [dNeg, pairwise(g, p, n, m.p, m.eps, false)]);
  const z = g.op('Add', [g.op('Sub', [dPos, dNeg]), g.scalar(m.margin)]);
  return reduce(g, g.op('Relu', [z]), m.reduction);
});

registerExporter(nn.PoissonNLLLoss, (g, m, [xv, tv]) => {
  const x = v(xv).name;
  const t = v(tv).name;
  let loss = m.logInput
    ? g.op('Sub', [g.op('Exp', [x]), g.op('Mul', [t, x])])
    : g.op('Sub', [x, g.op('Mul', [t, g.op('Log', [g.op('Add', [x, g.scalar(m.eps)])])])]);
  if (m.full) {
    const big = g.op('Greater', [t, g.scalar(1)]);
    const safe = g.op('Where', [big, t, g.scalar(2)]);
    const stirling = g.op('Add', [
      g.op('Sub', [g.op('Mul', [safe, g.op('Log', [safe])]), safe]),
      g.op('Mul', [g.op('Log', [g.op('Mul', [safe, g.scalar(2 * Math.PI)])]), g.scalar(0.5)]),
    ]);
    loss = g.op('Add', [loss, g.op('Where', [big, stirling, g.scalar(0)])]);
  }
  return reduce(g, loss, m.reduction);
});

registerExporter(nn.GaussianNLLLoss, (g, m, [xv, tv, varv]) => {
  const x = v(xv);
  const variance = v(varv);
  let va = variance.name;
  if (variance.rank === x.rank - 1) va = g.op('Unsqueeze', [va, g.ints([-1])]);
  va = g.op('Max', [va, g.scalar(m.eps)]);
  const d = g.op('Sub', [x.name, v(tv).name]);
  let loss = g.op('Mul', [
    g.op('Add', [g.op('Log', [va]), g.op('Div', [g.op('Mul', [d, d]), va])]),
    g.scalar(0.5),
  ]);
  if (m.full) loss = g.op('Add', [loss, g.scalar(0.5 * Math.log(2 * Math.PI))]);
  return reduce(g, loss, m.reduction);
});

registerExporter(nn.PairwiseDistance, (g, m, [a, b]) =>
  pairwise(g, v(a).name, v(b).name, m.norm, m.eps, m.keepdim),
);

// sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)) along dim, inputs broadcast first.
registerExporter(nn.CosineSimilarity, (g, m, [av, bv]) => {
  const a = v(av);
  const b = v(bv);
  const rank = Math.max(a.rank, b.rank);
  const dim = m.dim < 0 ? m.dim + rank : m.dim;
  const full = g.op('Shape', [g.op('Add', [a.name, b.name])]);
  const expand = (x: string) => g.op('Expand', [x, full]);
  const axes = g.ints([dim]);
  const unit = (x: string) => {
    const n = g.op('Sqrt', [g.op('ReduceSum', [g.op('Mul', [x, x]), axes], { keepdims: 1 })]);
    return g.op('Div', [x, g.op('Max', [n, g.scalar(m.eps)])]);
  };
  return g.op('ReduceSum', [g.op('Mul', [unit(expand(a.name)), unit(expand(b.name))]), axes], {
    keepdims: 0,
  });
});

refuseExport(
  nn.MultiLabelMarginLoss,
  'MultiLabelMarginLoss has no ONNX export: its int32 targets are per-row class lists ended by -1',
);
// sum over i != y of max(0, margin - x[y] + x[i])^p * weight[y], / C, on batched (N, C) inputs.
registerExporter(nn.MultiMarginLoss, (g, m, [xv, tv]) => {
  const x = v(xv);
  if (x.rank !== 2) {
    throw new Error(
      `exportModel: cannot export ${g.pathOf(m)} on a ${x.rank}-D input; give it the shape (N, C)`,
    );
  }
  const C = g.staticDim(x, 1, g.pathOf(m));
  const t64 = g.op('Unsqueeze', [g.op('Cast', [v(tv).name], { to: 7 }), g.ints([1])]); // [N, 1] int64
  const picked = g.op('GatherElements', [x.name, t64], { axis: 1 });
  const z = g.op('Add', [g.op('Sub', [x.name, picked]), g.scalar(m.margin)]);
  const classes = g.ints(
    Array.from({ length: C }, (_, i) => i),
    [1, C],
  );
  const keep = g.op('And', [g.op('Not', [g.op('Equal', [classes, t64])]), g.op('Greater', [z, g.scalar(0)])]);
  let h = g.op('Where', [keep, m.p === 1 ? z : g.op('Mul', [z, z]), g.scalar(0)]);
  if (m.weight) h = g.op('Mul', [h, g.op('Gather', [g.param(m.weight), t64], { axis: 0 })]);
  const perRow = g.op('Div', [g.op('ReduceSum', [h, g.ints([1])], { keepdims: 0 }), g.scalar(C)]);
  return reduce(g, perRow, m.reduction);
});
refuseExport(
  nn.CTCLoss,
  'CTCLoss has no ONNX export: its alignment recursion runs over the input lengths; export the model producing the log-probabilities',
);
