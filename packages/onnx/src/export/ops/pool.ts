/**
 * Pools and Upsample. Adaptive pools have no ONNX op: average pooling is one MatMul per
 * spatial dim with PyTorch's window matrix, max pooling a Slice + ReduceMax per output
 * position (a box max is separable), so both need static spatial sizes.
 */
import { nn } from '@layers/core';
import { TensorDataType } from '../../proto/index.js';
import { float, type Graph, type Value } from '../graph.js';
import { registerAll, registerExporter } from '../registry.js';
import { shapeSlice } from './basic.js';
import { tup, withBatch } from './conv.js';

const dimsOf: Record<string, number> = {
  MaxPool1d: 1,
  MaxPool2d: 2,
  MaxPool3d: 3,
  AvgPool1d: 1,
  AvgPool2d: 2,
  AvgPool3d: 3,
  AdaptiveAvgPool1d: 1,
  AdaptiveAvgPool2d: 2,
  AdaptiveAvgPool3d: 3,
  AdaptiveMaxPool1d: 1,
  AdaptiveMaxPool2d: 2,
  AdaptiveMaxPool3d: 3,
};

/** The pool's spatial rank, from the layers class it derives from. */
function poolDims(m: nn.Module): number {
  for (let p = Object.getPrototypeOf(m); p; p = Object.getPrototypeOf(p)) {
    const d = dimsOf[p.constructor.name];
    if (d) return d;
  }
  throw new Error(`exportModel: ${m.name} is not a pool`);
}

function noIndices(g: Graph, m: nn.Module, returnIndices: boolean | undefined): void {
  if (returnIndices) {
    throw new Error(
      `exportModel: cannot export ${g.pathOf(m)} with returnIndices (no ONNX op gives adaptive windows' argmax)`,
    );
  }
}

type MaxPool = nn.MaxPool1d | nn.MaxPool2d | nn.MaxPool3d;
type AvgPool = nn.AvgPool1d | nn.AvgPool2d | nn.AvgPool3d;

function exportMaxPool(g: Graph, m: MaxPool, [xv]: unknown[]): string | [string, string] {
  const x = xv as Value;
  const d = poolDims(m);
  const o = m.options;
  const k = tup(m.kernelSize, d, 1);
  const p = tup(o.padding, d, 0);
  const attrs = {
    kernel_shape: k,
    strides: tup(o.stride, d, 0).map((s, i) => s || k[i]),
    pads: [...p, ...p],
    dilations: tup(o.dilation, d, 1),
    ceil_mode: o.ceilMode ? 1 : 0,
  };
  if (!o.returnIndices) return withBatch(g, x, d, (y) => g.op('MaxPool', [y], attrs));
  const unbatched = x.rank === d + 1;
  const y = unbatched ? g.op('Unsqueeze', [x.name, g.ints([0])]) : x.name;
  const [values, flat] = g.node('MaxPool', [y], attrs, 2);
  // ONNX flattens indices over [N, C, ...spatial]; PyTorch's count within one plane: modulo the plane size.
  const plane = g.op('ReduceProd', [shapeSlice(g, y, 2)], { keepdims: 1 });
  const indices = g.op('Cast', [g.op('Mod', [flat, plane])], { to: TensorDataType.INT32 });
  if (!unbatched) return [values, indices];
  const squeeze = (t: string) => g.op('Squeeze', [t, g.ints([0])]);
  return [squeeze(values), squeeze(indices)];
}

function exportAvgPool(g: Graph, m: AvgPool, [x]: unknown[]): string {
  const d = poolDims(m);
  const o = m.options;
  const k = tup(m.kernelSize, d, 1);
  const p = tup(o.padding, d, 0);
  const override = o.divisorOverride ?? null;
  if (override !== null && o.ceilMode) {
    throw new Error(
      `exportModel: cannot export ${g.pathOf(m)} with both divisorOverride and ceilMode (the clipped windows' sums are not expressible with AveragePool)`,
    );
  }
  const pooled = withBatch(g, x as Value, d, (y) =>
    g.op('AveragePool', [y], {
      kernel_shape: k,
      strides: tup(o.stride, d, 0).map((s, i) => s || k[i]),
      pads: [...p, ...p],
      // Every window is whole when divisorOverride applies, so mean * size / divisor is the sum / divisor.
      count_include_pad: override !== null || (o.countIncludePad ?? true) ? 1 : 0,
      ceil_mode: o.ceilMode ? 1 : 0,
    }),
  );
  if (override === null) return pooled;
  return g.op('Mul', [pooled, g.scalar(k.reduce((a, b) => a * b, 1) / override)]);
}

registerAll([nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d], exportMaxPool);
registerAll([nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d], exportAvgPool);

/** PyTorch's adaptive window of output i: [floor(i In / Out), ceil((i + 1) In / Out)). */
const windowOf = (i: number, inSize: number, outSize: number): [number, number] => [
  Math.floor((i * inSize) / outSize),
  Math.ceil(((i + 1) * inSize) / outSize),
];

/** Output sizes of an adaptive pool over static spatial dims (null keeps the input size). */
function adaptiveSizes(g: Graph, m: nn.Module, x: Value, d: number, size: unknown): [number, number][] {
  const list =
    typeof size === 'number' || size === null ? new Array(d).fill(size) : [...(size as (number | null)[])];
  const sizes = list.length === 1 && d > 1 ? new Array(d).fill(list[0]) : list;
  return sizes.map((s, i) => {
    const inSize = g.staticDim(x, x.rank - d + i, g.pathOf(m));
    return [inSize, s ?? inSize];
  });
}

type AdaptiveAvg = nn.AdaptiveAvgPool1d | nn.AdaptiveAvgPool2d | nn.AdaptiveAvgPool3d;
type AdaptiveMax = nn.AdaptiveMaxPool1d | nn.AdaptiveMaxPool2d | nn.AdaptiveMaxPool3d;

function exportAdaptiveAvg(g: Graph, m: AdaptiveAvg, [xv]: unknown[]): string {
  const x = xv as Value;
  const d = poolDims(m);
  let y = x.name;
  adaptiveSizes(g, m, x, d, m.outputSize).forEach(([inSize, outSize], i) => {
    const axis = x.rank - d + i;
    const mat = new Float32Array(inSize * outSize);
    for (let o = 0; o < outSize; o++) {
      const [a, b] = windowOf(o, inSize, outSize);
      for (let r = a; r < b; r++) mat[r * outSize + o] = 1 / (b - a);
    }
    const perm = [...Array(x.rank).keys()];
    [perm[axis], perm[x.rank - 1]] = [perm[x.rank - 1], perm[axis]];
    const last = axis === x.rank - 1;
    const moved = last ? y : g.op('Transpose', [y], { perm });
    const pooled = g.op('MatMul', [moved, g.floats(mat, [inSize, outSize])]);
    y = last ? pooled : g.op('Transpose', [pooled], { perm });
  });
  return y;
}

function exportAdaptiveMax(g: Graph, m: AdaptiveMax, [xv]: unknown[]): string {
  const x = xv as Value;
  const d = poolDims(m);
  noIndices(g, m, m.options.returnIndices);
  let y = x.name;
  adaptiveSizes(g, m, x, d, m.outputSize).forEach(([inSize, outSize], i) => {
    const axis = x.rank - d + i;
    const parts: string[] = [];
    for (let o = 0; o < outSize; o++) {
      const [a, b] = windowOf(o, inSize, outSize);
      const win = g.op('Slice', [y, g.ints([a]), g.ints([b]), g.ints([axis])]);
      parts.push(g.op('ReduceMax', [win], { axes: [axis], keepdims: 1 }));
    }
    y = parts.length === 1 ? parts[0] : g.op('Concat', parts, { axis });
  });
  return y;
}

registerAll([nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d], exportAdaptiveAvg);
registerAll([nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d], exportAdaptiveMax);

// Upsample → Resize with PyTorch's coordinate conventions (nearest: floor of x / scale;
// linear and cubic: half-pixel or align-corners, cubic coefficient -0.75).
registerExporter(nn.Upsample, (g, m, [xv]) => {
  const x = xv as Value;
  const o = m.options;
  const mode = o.mode ?? 'nearest';
  const d = x.rank - 2;
  const attrs: Record<string, string | number | ReturnType<typeof float>> =
    mode === 'nearest'
      ? { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }
      : {
          mode: mode === 'bicubic' ? 'cubic' : 'linear',
          coordinate_transformation_mode: o.alignCorners ? 'align_corners' : 'pytorch_half_pixel',
        };
  if (mode === 'bicubic') attrs.cubic_coeff_a = float(-0.75);
  if (o.size !== undefined && o.size !== null) {
    const sizes = g.op('Concat', [shapeSlice(g, x.name, 0, 2), g.ints(tup(o.size, d, 1))], { axis: 0 });
    return g.op('Resize', [x.name, '', '', sizes], attrs);
  }
  const scales = g.floats([1, 1, ...tup(o.scaleFactor as number | number[], d, 1)]);
  return g.op('Resize', [x.name, '', scales], attrs);
});
