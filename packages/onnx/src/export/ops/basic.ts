/**
 * Containers, identity-like modules (Identity, dropout in eval mode), shape modules
 * (Flatten, Unflatten), Linear, Bilinear and Embedding.
 */
import { nn, type Tensor } from '@layers/core';
import type { Graph, Value } from '../graph.js';
import { type ModuleClass, refuseExport, registerAll, registerExporter } from '../registry.js';

/** Dims [start, end) of x's runtime shape, as an int64 vector (keeps dynamic dims dynamic). */
export function shapeSlice(g: Graph, x: string, start: number, end: number | null = null): string {
  const shape = g.op('Shape', [x]);
  const stop = end ?? Number.MAX_SAFE_INTEGER;
  return g.op('Slice', [shape, g.ints([start]), g.ints([stop]), g.ints([0])]);
}

/** Reshape x to concat(shape[:start], middle, shape[end:]): only `middle` is baked in. */
export function reshapeMiddle(
  g: Graph,
  x: string,
  rank: number,
  start: number,
  end: number,
  middle: readonly number[],
): string {
  const parts: string[] = [];
  if (start > 0) parts.push(shapeSlice(g, x, 0, start));
  parts.push(g.ints(middle));
  if (end < rank) parts.push(shapeSlice(g, x, end));
  const shape = parts.length === 1 ? parts[0] : g.op('Concat', parts, { axis: 0 });
  return g.op('Reshape', [x, shape]);
}

/** x @ W^T + b for a Linear-shaped weight [out, in] on x [*, in]. */
export function linearNodes(g: Graph, x: Value, weight: Tensor, bias: Tensor | null): string {
  if (x.rank === 2) {
    const inputs = [x.name, g.param(weight)];
    if (bias) inputs.push(g.param(bias));
    return g.op('Gemm', inputs, { transB: 1 });
  }
  const y = g.op('MatMul', [x.name, g.op('Transpose', [g.param(weight)], { perm: [1, 0] })]);
  return bias ? g.op('Add', [y, g.param(bias)]) : y;
}

registerExporter(nn.Sequential, (g, m, [x]) => {
  let v: unknown = x;
  for (const child of m.children()) v = g.call(child, [v]);
  return v;
});
for (const cls of [nn.ModuleList, nn.ModuleDict] as ModuleClass[]) {
  refuseExport(
    cls,
    'it has no forward (as in PyTorch); it exports as part of a layers module that iterates it (e.g. TransformerEncoder.layers), or put its modules in a Sequential',
  );
}

const identity = (_g: Graph, _m: nn.Module, [x]: unknown[]) => (x as Value).name;
registerExporter(nn.Identity, identity);
// Eval mode: every dropout is the identity.
registerAll([nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout], identity);

registerExporter(nn.Flatten, (g, m, [xv]) => {
  const x = xv as Value;
  if (x.rank === 0) return g.op('Reshape', [x.name, g.ints([1])]);
  const s = m.startDim < 0 ? m.startDim + x.rank : m.startDim;
  const e = m.endDim < 0 ? m.endDim + x.rank : m.endDim;
  if (s === e) return g.op('Identity', [x.name]);
  if (s === 1 && e === x.rank - 1) return g.op('Flatten', [x.name], { axis: 1 });
  return reshapeMiddle(g, x.name, x.rank, s, e + 1, [-1]);
});

registerExporter(nn.Unflatten, (g, m, [xv]) => {
  const x = xv as Value;
  const d = m.dim < 0 ? m.dim + x.rank : m.dim;
  return reshapeMiddle(g, x.name, x.rank, d, d + 1, m.unflattenedSize);
});

registerExporter(nn.Linear, (g, m, [x]) => linearNodes(g, x as Value, m.weight, m.bias));

// y[*, o] = sum_ij x1[*, i] W[o, i, j] x2[*, j]: x1 @ W' ([I, O*J]), then a product with x2 and a sum over j.
registerExporter(nn.Bilinear, (g, m, [a, b]) => {
  const x1 = a as Value;
  const x2 = b as Value;
  const [O, I, J] = m.weight.shape;
  const iOJ = g.op('Transpose', [g.param(m.weight)], { perm: [1, 0, 2] });
  const wr = g.op('Reshape', [iOJ, g.ints([I, O * J])]);
  const t = g.op('MatMul', [x1.name, wr]);
  const r = reshapeMiddle(g, t, x1.rank, x1.rank - 1, x1.rank, [O, J]);
  const prod = g.op('Mul', [r, g.op('Unsqueeze', [x2.name, g.ints([-2])])]);
  const y = g.op('ReduceSum', [prod, g.ints([-1])], { keepdims: 0 });
  return m.bias ? g.op('Add', [y, g.param(m.bias)]) : y;
});

registerExporter(nn.Embedding, (g, m, [idx]) => {
  const rows = g.op('Gather', [g.param(m.weight), (idx as Value).name], { axis: 0 });
  if (m.maxNorm === null) return rows;
  // forward renormalises the rows it looks up to maxNorm; the output is those rows rescaled.
  const p = m.normType;
  const norm =
    p === 2
      ? g.op('ReduceL2', [rows], { axes: [-1], keepdims: 1 })
      : p === 1
        ? g.op('ReduceL1', [rows], { axes: [-1], keepdims: 1 })
        : g.op('Pow', [
            g.op('ReduceSum', [g.op('Pow', [g.op('Abs', [rows]), g.scalar(p)]), g.ints([-1])], {
              keepdims: 1,
            }),
            g.scalar(1 / p),
          ]);
  const scale = g.op('Div', [g.scalar(m.maxNorm), g.op('Add', [norm, g.scalar(1e-7)])]);
  const factor = g.op('Where', [g.op('Greater', [norm, g.scalar(m.maxNorm)]), scale, g.scalar(1)]);
  return g.op('Mul', [rows, factor]);
});
