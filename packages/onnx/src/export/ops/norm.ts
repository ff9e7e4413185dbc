/**
 * Normalisation layers. BatchNorm with running statistics is BatchNormalization; LayerNorm is
 * LayerNormalization from opset 17 and the mean/variance formula below it; RMSNorm, GroupNorm
 * and BatchNorm without running statistics (batch statistics even in eval, as PyTorch) are
 * written as their formulas.
 */
import { nn, type Tensor } from '@layers/core';
import { float, type Graph, type Value } from '../graph.js';
import { registerAll, registerExporter } from '../registry.js';

/** float32 machine epsilon: RMSNorm's eps when it is null (PyTorch's eps=None). */
const FLOAT32_EPS = 2 ** -23;

/** (x - mean) / sqrt(var + eps) over `axes` (biased variance). */
function normalize(g: Graph, x: string, axes: number[], eps: number): string {
  const mean = g.op('ReduceMean', [x], { axes, keepdims: 1 });
  const centred = g.op('Sub', [x, mean]);
  const variance = g.op('ReduceMean', [g.op('Mul', [centred, centred])], { axes, keepdims: 1 });
  return g.op('Div', [centred, g.op('Sqrt', [g.op('Add', [variance, g.scalar(eps)])])]);
}

/** y * w + b with per-channel w, b [C] shaped [C, 1, ...] against a rank-`rank` y. */
function channelAffine(g: Graph, y: string, rank: number, w: Tensor | null, b: Tensor | null): string {
  const dims = (t: Tensor) => [t.shape[0], ...new Array(Math.max(rank - 2, 0)).fill(1)];
  let out = y;
  if (w) out = g.op('Mul', [out, g.param(w, { dims: dims(w) })]);
  if (b) out = g.op('Add', [out, g.param(b, { dims: dims(b) })]);
  return out;
}

type BatchNorm = nn.BatchNorm1d | nn.BatchNorm2d | nn.BatchNorm3d;

function exportBatchNorm(g: Graph, m: BatchNorm, [xv]: unknown[]): string {
  const x = xv as Value;
  const C = m.numFeatures;
  if (!m.running_mean || !m.running_var) {
    const axes = [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2)];
    return channelAffine(g, normalize(g, x.name, axes, m.eps), x.rank, m.weight, m.bias);
  }
  const scale = m.weight ? g.param(m.weight) : g.floats(new Array(C).fill(1));
  const bias = m.bias ? g.param(m.bias) : g.floats(new Array(C).fill(0));
  return g.op('BatchNormalization', [x.name, scale, bias, g.param(m.running_mean), g.param(m.running_var)], {
    epsilon: float(m.eps),
  });
}
registerAll([nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d], exportBatchNorm);

/** The last k axes of a rank-r value. */
const lastAxes = (r: number, k: number) => Array.from({ length: k }, (_, i) => r - k + i);

registerExporter(nn.LayerNorm, (g, m, [xv]) => {
  const x = xv as Value;
  const k = m.normalizedShape.length;
  if (g.opset >= 17) {
    const scale = m.weight
      ? g.param(m.weight)
      : g.floats(new Array(m.normalizedShape.reduce((a, b) => a * b, 1)).fill(1), m.normalizedShape);
    const inputs = m.bias ? [x.name, scale, g.param(m.bias)] : [x.name, scale];
    return g.op('LayerNormalization', inputs, { axis: -k, epsilon: float(m.eps) });
  }
  let y = normalize(g, x.name, lastAxes(x.rank, k), m.eps);
  if (m.weight) y = g.op('Mul', [y, g.param(m.weight)]);
  if (m.bias) y = g.op('Add', [y, g.param(m.bias)]);
  return y;
});

registerExporter(nn.RMSNorm, (g, m, [xv]) => {
  const x = xv as Value;
  const axes = lastAxes(x.rank, m.normalizedShape.length);
  const ms = g.op('ReduceMean', [g.op('Mul', [x.name, x.name])], { axes, keepdims: 1 });
  const rms = g.op('Sqrt', [g.op('Add', [ms, g.scalar(m.eps ?? FLOAT32_EPS)])]);
  const y = g.op('Div', [x.name, rms]);
  return m.weight ? g.op('Mul', [y, g.param(m.weight)]) : y;
});

// [N, C, *] → [N, G, C/G * prod(*)], normalised over the last dim, back to x's shape.
registerExporter(nn.GroupNorm, (g, m, [xv]) => {
  const x = xv as Value;
  const grouped = g.op('Reshape', [x.name, g.ints([0, m.numGroups, -1])]);
  const normed = normalize(g, grouped, [2], m.eps);
  const back = g.op('Reshape', [normed, g.op('Shape', [x.name])]);
  return channelAffine(g, back, x.rank, m.weight, m.bias);
});
