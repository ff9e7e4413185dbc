/**
 * The float64 reference interpreter of the differential test, written from the mathematics
 * and PyTorch's documented semantics (not from any backend): contiguous row-major arrays of
 * float64 and one function per op. Special values follow IEEE and C (pow, atan2), as torch.
 */
import { contiguousStrides } from '@layers/core';

/** A contiguous row-major float64 array. @internal */
export interface ND {
  shape: number[];
  data: Float64Array;
}

/** @internal */
export const numelOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** @internal */
export function nd(shape: number[], data?: ArrayLike<number>): ND {
  return { shape, data: data ? Float64Array.from(data) : new Float64Array(numelOf(shape)) };
}

/** Visit every index of `shape` in row-major order. */
function forIndex(shape: readonly number[], fn: (idx: number[], flat: number) => void): void {
  const n = numelOf(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let f = 0; f < n; f++) {
    fn(idx, f);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

/** out[idx] = x[map(idx)]: the general gather behind every view op. */
function remap(x: ND, shape: number[], map: (idx: number[]) => number): ND {
  const out = nd(shape);
  forIndex(shape, (idx, f) => {
    out.data[f] = x.data[map(idx)];
  });
  return out;
}

// ---- elementwise ---------------------------------------------------------------------------

/**
 * C pow: pow(1, y) = 1 and pow(x, +-0) = 1 for every x, NaN included; pow(-1, +-inf) = 1.
 * Elsewhere JS's ** is C's pow (IEEE 754 pown/pow rules, signs of 0 and inf included).
 */
function powC(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  if (x === -1 && (y === Number.POSITIVE_INFINITY || y === Number.NEGATIVE_INFINITY)) return 1;
  return x ** y;
}

/** floor_divide: the floor of the exact quotient, NaN for infinite dividends, signed zeros. */
function floorDivide(a: number, b: number): number {
  if (b === 0) return a / b;
  const mod = a % b;
  const q = (a - mod) / b - (mod !== 0 && mod < 0 !== b < 0 ? 1 : 0);
  if (q === 0) return Object.is(a / b, -0) || a / b < 0 ? -0 : 0;
  return Math.round(q);
}

/** The unary ops of the differential programs. @internal */
export const UNARY_REF: Record<string, (x: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  sin: Math.sin,
  // biome-ignore lint/complexity/useMathMinMax: Math.max(-0, 0) is +0; relu keeps -0 (and NaN)
  relu: (x) => (x < 0 ? 0 : x), // clamp_min(x, 0): NaN and -0 pass
  floor: Math.floor,
  ceil: Math.ceil,
  reciprocal: (x) => 1 / x,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), // (0 < x) - (x < 0): NaN gives 0
  square: (x) => x * x,
};

/** The binary ops of the differential programs. @internal */
export const BINARY_REF: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: powC,
  atan2: Math.atan2,
  maximum: Math.max,
  minimum: Math.min,
  floorDivide,
};

/** @internal */
export function unaryRef(op: string, x: ND): ND {
  const f = UNARY_REF[op];
  return { shape: [...x.shape], data: x.data.map(f) };
}

/** NumPy broadcasting of two shapes (the generator only builds compatible ones). */
function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Flat index into `x` (broadcast to `shape`) of the broadcast index `idx`. */
function bindex(x: ND, shape: readonly number[], strides: number[], idx: number[]): number {
  let f = 0;
  const off = shape.length - x.shape.length;
  for (let d = 0; d < x.shape.length; d++) if (x.shape[d] !== 1) f += idx[d + off] * strides[d];
  return f;
}

/** Elementwise with broadcasting: out = f(a, b). @internal */
export function broadcastRef(a: ND, b: ND, f: (x: number, y: number) => number): ND {
  const shape = broadcast(a.shape, b.shape);
  const sa = contiguousStrides(a.shape);
  const sb = contiguousStrides(b.shape);
  const out = nd(shape);
  forIndex(shape, (idx, i) => {
    out.data[i] = f(a.data[bindex(a, shape, sa, idx)], b.data[bindex(b, shape, sb, idx)]);
  });
  return out;
}

/** where(cond > 0, a, b), the condition computed from `c` as the program does. @internal */
export function whereRef(c: ND, a: ND, b: ND): ND {
  const ab = broadcastRef(a, b, (x) => x);
  const cb = broadcastRef(c, ab, (x) => x);
  const bb = broadcastRef(b, ab, (x) => x);
  return { shape: ab.shape, data: ab.data.map((v, i) => (cb.data[i] > 0 ? v : bb.data[i])) };
}

// ---- reductions ----------------------------------------------------------------------------

/** Reduce one dim with `step` from `init` (sum starts at +0, so sums of -0 are +0, as torch). */
function reduceDim(
  x: ND,
  dim: number,
  keepdim: boolean,
  init: number,
  step: (acc: number, v: number) => number,
) {
  const outer = numelOf(x.shape.slice(0, dim));
  const n = x.shape[dim];
  const inner = numelOf(x.shape.slice(dim + 1));
  const data = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let acc = init;
      for (let k = 0; k < n; k++) acc = step(acc, x.data[(o * n + k) * inner + i]);
      data[o * inner + i] = acc;
    }
  const shape = [...x.shape];
  if (keepdim) shape[dim] = 1;
  else shape.splice(dim, 1);
  return { shape, data };
}

const nanMax = (a: number, v: number) => (Number.isNaN(a) || Number.isNaN(v) ? Number.NaN : Math.max(a, v));
const nanMin = (a: number, v: number) => (Number.isNaN(a) || Number.isNaN(v) ? Number.NaN : Math.min(a, v));

/** sum, mean, prod, max, min over one dim. @internal */
export function reduceRef(op: string, x: ND, dim: number, keepdim: boolean): ND {
  switch (op) {
    case 'sum':
      return reduceDim(x, dim, keepdim, 0, (a, v) => a + v);
    case 'prod':
      return reduceDim(x, dim, keepdim, 1, (a, v) => a * v);
    case 'mean': {
      const s = reduceDim(x, dim, keepdim, 0, (a, v) => a + v);
      return { shape: s.shape, data: s.data.map((v) => v / x.shape[dim]) };
    }
    case 'max':
      return reduceDim(x, dim, keepdim, Number.NEGATIVE_INFINITY, nanMax);
    case 'min':
      return reduceDim(x, dim, keepdim, Number.POSITIVE_INFINITY, nanMin);
  }
  throw new Error(`differential: no reference for reduction ${op}`);
}

/** softmax / logSoftmax over `dim`: exp(x - max) / sum, the max taken first as torch does. @internal */
export function softmaxRef(x: ND, dim: number, log: boolean): ND {
  const m = reduceRef('max', x, dim, true);
  const shifted = broadcastRef(x, m, (a, b) => a - b);
  const e = unaryRef('exp', shifted);
  const s = reduceRef('sum', e, dim, true);
  return log ? broadcastRef(shifted, s, (a, b) => a - Math.log(b)) : broadcastRef(e, s, (a, b) => a / b);
}

/** layer_norm over the last dim: (x - mean) / sqrt(biased var + eps) * w + b. @internal */
export function layerNormRef(x: ND, w: ND | null, b: ND | null, eps: number): ND {
  const n = x.shape[x.shape.length - 1];
  const out = nd([...x.shape]);
  for (let r = 0; r < x.data.length / n; r++) {
    let mean = 0;
    for (let k = 0; k < n; k++) mean += x.data[r * n + k];
    mean /= n;
    let v = 0;
    for (let k = 0; k < n; k++) v += (x.data[r * n + k] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / n + eps);
    for (let k = 0; k < n; k++) {
      const y = (x.data[r * n + k] - mean) * inv;
      out.data[r * n + k] = y * (w ? w.data[k] : 1) + (b ? b.data[k] : 0);
    }
  }
  return out;
}

// ---- linear algebra, convolution, pooling --------------------------------------------------

/** [.., m, k] @ [.., k, n] with the batch dims broadcast (2-D or 3-D operands). @internal */
export function matmulRef(a: ND, b: ND): ND {
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const ba = a.shape.length === 3 ? a.shape[0] : 1;
  const bb = b.shape.length === 3 ? b.shape[0] : 1;
  const batch = ba === 1 ? bb : ba; // a batch of 1 broadcasts (also against a batch of 0)
  const shape = a.shape.length === 3 || b.shape.length === 3 ? [batch, m, n] : [m, n];
  const out = nd(shape);
  for (let p = 0; p < batch; p++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) {
          s +=
            a.data[(ba === 1 ? 0 : p) * m * k + i * k + q] * b.data[(bb === 1 ? 0 : p) * k * n + q * n + j];
        }
        out.data[(p * m + i) * n + j] = s;
      }
  return out;
}

/** conv2d(x [N, C, H, W], w [O, C, kh, kw], bias [O] | null, stride, padding). @internal */
export function conv2dRef(x: ND, w: ND, bias: ND | null, stride: number, padding: number): ND {
  const [N, C, H, W] = x.shape;
  const [O, , kh, kw] = w.shape;
  const Ho = Math.floor((H + 2 * padding - kh) / stride) + 1;
  const Wo = Math.floor((W + 2 * padding - kw) / stride) + 1;
  const out = nd([N, O, Ho, Wo]);
  forIndex(out.shape, ([n, o, i, j], f) => {
    let s = bias ? bias.data[o] : 0;
    for (let c = 0; c < C; c++)
      for (let p = 0; p < kh; p++)
        for (let q = 0; q < kw; q++) {
          const y = i * stride - padding + p;
          const z = j * stride - padding + q;
          // Zero padding is a value: 0 * inf is NaN, as in torch (whose padded input is real zeros).
          const inside = y >= 0 && y < H && z >= 0 && z < W;
          s += (inside ? x.data[((n * C + c) * H + y) * W + z] : 0) * w.data[((o * C + c) * kh + p) * kw + q];
        }
    out.data[f] = s;
  });
  return out;
}

/** max/avg pool2d over the last two dims (padding counts in the average, torch's default). @internal */
export function pool2dRef(x: ND, kind: 'max' | 'avg', k: number, stride: number, padding: number): ND {
  const lead = x.shape.slice(0, -2);
  const [H, W] = x.shape.slice(-2);
  const Ho = Math.floor((H + 2 * padding - k) / stride) + 1;
  const Wo = Math.floor((W + 2 * padding - k) / stride) + 1;
  const out = nd([...lead, Ho, Wo]);
  for (let r = 0; r < numelOf(lead); r++)
    for (let i = 0; i < Ho; i++)
      for (let j = 0; j < Wo; j++) {
        let acc = kind === 'max' ? Number.NEGATIVE_INFINITY : 0;
        for (let p = 0; p < k; p++)
          for (let q = 0; q < k; q++) {
            const y = i * stride - padding + p;
            const z = j * stride - padding + q;
            if (y < 0 || y >= H || z < 0 || z >= W) continue;
            const v = x.data[(r * H + y) * W + z];
            acc = kind === 'max' ? nanMax(acc, v) : acc + v;
          }
        out.data[(r * Ho + i) * Wo + j] = kind === 'max' ? acc : acc / (k * k);
      }
  return out;
}

// ---- views and joins -----------------------------------------------------------------------

/** @internal */
export function permuteRef(x: ND, dims: number[]): ND {
  const s = contiguousStrides(x.shape);
  return remap(
    x,
    dims.map((d) => x.shape[d]),
    (idx) => idx.reduce((f, v, i) => f + v * s[dims[i]], 0),
  );
}

/** x.slice(dim, start, end, step) with start < end inside the dim. @internal */
export function sliceRef(x: ND, dim: number, start: number, end: number, step: number): ND {
  const s = contiguousStrides(x.shape);
  const shape = [...x.shape];
  shape[dim] = Math.max(0, Math.ceil((end - start) / step));
  return remap(x, shape, (idx) => idx.reduce((f, v, i) => f + (i === dim ? start + v * step : v) * s[i], 0));
}

/** expand: size-1 dims repeated to `shape` (same rank). @internal */
export function expandRef(x: ND, shape: number[]): ND {
  return broadcastRef(x, nd(shape), (a) => a);
}

/** gather(x, dim, index). @internal */
export function gatherRef(x: ND, dim: number, index: ND): ND {
  const s = contiguousStrides(x.shape);
  return remap(x, [...index.shape], (idx) => {
    let f = 0;
    for (let d = 0; d < idx.length; d++)
      f += (d === dim ? index.data[bindexFlat(index, idx)] : idx[d]) * s[d];
    return f;
  });
}

function bindexFlat(x: ND, idx: number[]): number {
  let f = 0;
  for (let d = 0; d < idx.length; d++) f = f * x.shape[d] + idx[d];
  return f;
}

/** cat along `dim`. @internal */
export function catRef(xs: ND[], dim: number): ND {
  const shape = [...xs[0].shape];
  shape[dim] = xs.reduce((t, x) => t + x.shape[dim], 0);
  const out = nd(shape);
  forIndex(shape, (idx, f) => {
    let k = idx[dim];
    let j = 0;
    while (k >= xs[j].shape[dim]) k -= xs[j++].shape[dim];
    const at = [...idx];
    at[dim] = k;
    out.data[f] = xs[j].data[bindexFlat(xs[j], at)];
  });
  return out;
}

/** stack along `dim`: unsqueeze each, then cat. @internal */
export function stackRef(xs: ND[], dim: number): ND {
  return catRef(
    xs.map((x) => ({ shape: [...x.shape.slice(0, dim), 1, ...x.shape.slice(dim)], data: x.data })),
    dim,
  );
}
