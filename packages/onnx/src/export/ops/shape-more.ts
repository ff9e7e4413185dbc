/**
 * InstanceNorm (InstanceNormalization; BatchNormalization with the running statistics when they
 * are tracked, as eval mode uses them), LocalResponseNorm (its zero-padded channel window as
 * slices: ONNX's LRN centres even windows the other way), the pixel and channel shuffles as
 * reshapes and transposes, GLU and Softmax2d.
 */
import { nn } from '@layers/core';
import { float, type Graph, type Value } from '../graph.js';
import { refuseExport, registerAll, registerExporter } from '../registry.js';
import { withBatch } from './conv.js';

type InstanceNorm = nn.InstanceNorm1d | nn.InstanceNorm2d | nn.InstanceNorm3d;

function exportInstanceNorm(g: Graph, m: InstanceNorm, x: Value, d: number): string {
  const C = m.numFeatures;
  const scale = m.weight ? g.param(m.weight) : g.floats(new Array(C).fill(1));
  const bias = m.bias ? g.param(m.bias) : g.floats(new Array(C).fill(0));
  return withBatch(g, x, d, (xb) => {
    if (m.running_mean && m.running_var) {
      const stats = [g.param(m.running_mean), g.param(m.running_var)];
      return g.op('BatchNormalization', [xb, scale, bias, ...stats], { epsilon: float(m.eps) });
    }
    return g.op('InstanceNormalization', [xb, scale, bias], { epsilon: float(m.eps) });
  });
}
registerAll<InstanceNorm>([nn.InstanceNorm1d], (g, m, [x]) => exportInstanceNorm(g, m, x as Value, 1));
registerAll<InstanceNorm>([nn.InstanceNorm2d], (g, m, [x]) => exportInstanceNorm(g, m, x as Value, 2));
registerAll<InstanceNorm>([nn.InstanceNorm3d], (g, m, [x]) => exportInstanceNorm(g, m, x as Value, 3));

registerExporter(nn.LocalResponseNorm, (g, m, [xv]) => {
  const x = xv as Value;
  const C = g.staticDim(x, 1, g.pathOf(m));
  const sq = g.op('Mul', [x.name, x.name]);
  const begins = new Array<number>(x.rank).fill(0);
  const ends = new Array<number>(x.rank).fill(0);
  begins[1] = Math.floor(m.size / 2);
  ends[1] = Math.floor((m.size - 1) / 2);
  const padded = g.op('Pad', [sq, g.ints([...begins, ...ends]), g.scalar(0)], { mode: 'constant' });
  let sum = '';
  for (let i = 0; i < m.size; i++) {
    const s = g.op('Slice', [padded, g.ints([i]), g.ints([i + C]), g.ints([1])]);
    sum = i === 0 ? s : g.op('Add', [sum, s]);
  }
  const base = g.op('Add', [g.op('Mul', [sum, g.scalar(m.alpha / m.size)]), g.scalar(m.k)]);
  return g.op('Div', [x.name, g.op('Pow', [base, g.scalar(m.beta)])]);
});

/** A (C, H, W) or (N, C, H, W) input moved through a 6-D reshape, a transpose and a reshape. */
function rearrange(
  g: Graph,
  x: Value,
  who: string,
  split: (c: number, h: number, w: number) => number[][],
): string {
  if (x.rank !== 3 && x.rank !== 4) {
    throw new Error(`exportModel: cannot export ${who}: only 3-D and 4-D inputs export, got ${x.rank}-D`);
  }
  const [c, h, w] = [1, 2, 3].map((a) => g.staticDim(x, a - 4 + x.rank, who));
  const [six, perm, out] = split(c, h, w);
  return withBatch(g, x, 2, (xb) => {
    const y = g.op('Transpose', [g.op('Reshape', [xb, g.ints([0, ...six])])], { perm });
    return g.op('Reshape', [y, g.ints([0, ...out])]);
  });
}

registerExporter(nn.PixelShuffle, (g, m, [x]) => {
  const r = m.upscaleFactor;
  return rearrange(g, x as Value, g.pathOf(m), (cr, h, w) => [
    [cr / (r * r), r, r, h, w],
    [0, 1, 4, 2, 5, 3],
    [cr / (r * r), h * r, w * r],
  ]);
});
registerExporter(nn.PixelUnshuffle, (g, m, [x]) => {
  const r = m.downscaleFactor;
  return rearrange(g, x as Value, g.pathOf(m), (c, hr, wr) => [
    [c, hr / r, r, wr / r, r],
    [0, 1, 3, 5, 2, 4],
    [c * r * r, hr / r, wr / r],
  ]);
});

registerExporter(nn.ChannelShuffle, (g, m, [xv]) => {
  const x = xv as Value;
  const C = g.staticDim(x, 1, g.pathOf(m));
  const grouped = g.op('Reshape', [x.name, g.ints([0, m.groups, C / m.groups, -1])]);
  const swapped = g.op('Transpose', [grouped], { perm: [0, 2, 1, 3] });
  return g.op('Reshape', [swapped, g.op('Shape', [x.name])]);
});

registerExporter(nn.GLU, (g, m, [xv]) => {
  const x = xv as Value;
  const axis = m.dim < 0 ? m.dim + x.rank : m.dim;
  const half = g.staticDim(x, axis, g.pathOf(m)) / 2;
  const part = (start: number) =>
    g.op('Slice', [x.name, g.ints([start]), g.ints([start + half]), g.ints([axis])]);
  return g.op('Mul', [part(0), g.op('Sigmoid', [part(half)])]);
});

registerExporter(nn.Softmax2d, (g, _m, [xv]) => g.op('Softmax', [(xv as Value).name], { axis: -3 }));

// Unfold as a grouped Conv whose C * kh * kw one-hot kernels each pick one window element (channel
// c's kernels are c * K + kappa, unfold's order); Fold needs Col2Im (opset 18).
registerExporter(nn.Unfold, (g, m, [xv]) => {
  const x = xv as Value;
  const who = g.pathOf(m);
  const C = g.staticDim(x, x.rank - 3, who);
  const pair = (v: number | readonly number[] | undefined, fallback: number) =>
    v === undefined
      ? [fallback, fallback]
      : typeof v === 'number'
        ? [v, v]
        : v.length === 1
          ? [v[0], v[0]]
          : [...v];
  const k = pair(m.kernelSize, 1);
  const K = k[0] * k[1];
  const eye = new Float32Array(C * K * K);
  for (let c = 0; c < C; c++) for (let i = 0; i < K; i++) eye[(c * K + i) * K + i] = 1;
  const weight = g.floats(eye, [C * K, 1, k[0], k[1]]);
  const p = pair(m.options.padding, 0);
  const attrs = {
    kernel_shape: k,
    strides: pair(m.options.stride, 1),
    dilations: pair(m.options.dilation, 1),
    pads: [p[0], p[1], p[0], p[1]],
    group: C,
  };
  return withBatch(g, x, 2, (xb) => {
    const cols = g.op('Conv', [xb, weight], attrs);
    return g.op('Reshape', [cols, g.ints([0, C * K, -1])]);
  });
});
refuseExport(nn.Fold, 'Fold has no ONNX export before Col2Im (opset 18; exportModel writes 13 to 17)');

// LPPool as layers (and PyTorch 1.13) compose it: avgPool(x^p) * K, sign * relu(|.|), ^(1/p);
// ONNX's LpPool takes |x|, which differs for odd powers of negative inputs.
type LPPool = nn.LPPool1d | nn.LPPool2d;
function exportLpPool(g: Graph, m: LPPool, x: Value, d: number): string {
  const pair = (v: number | readonly number[]) =>
    typeof v === 'number' ? new Array<number>(d).fill(v) : [...v];
  const k = pair(m.kernelSize);
  const attrs = {
    kernel_shape: k,
    strides: m.stride === null ? k : pair(m.stride),
    ceil_mode: m.ceilMode ? 1 : 0,
  };
  return withBatch(g, x, d, (xb) => {
    const avg = g.op('AveragePool', [g.op('Pow', [xb, g.scalar(m.normType)])], attrs);
    const guarded = g.op('Mul', [g.op('Sign', [avg]), g.op('Relu', [g.op('Abs', [avg])])]);
    const sum = g.op('Mul', [guarded, g.scalar(k.reduce((a, b) => a * b, 1))]);
    return g.op('Pow', [sum, g.scalar(1 / m.normType)]);
  });
}
registerAll<LPPool>([nn.LPPool1d], (g, m, [x]) => exportLpPool(g, m, x as Value, 1));
registerAll<LPPool>([nn.LPPool2d], (g, m, [x]) => exportLpPool(g, m, x as Value, 2));
for (const cls of [nn.MaxUnpool1d, nn.MaxUnpool2d, nn.MaxUnpool3d]) {
  refuseExport(
    cls,
    `${cls.name} has no ONNX export: ONNX's MaxUnpool indexes the whole tensor, layers' (and PyTorch's) indices each plane`,
  );
}
refuseExport(
  nn.EmbeddingBag,
  'EmbeddingBag has no ONNX export: export an Embedding and reduce its rows outside the graph',
);
