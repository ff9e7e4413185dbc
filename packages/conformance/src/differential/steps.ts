/**
 * The step builders of the differential programs: each draws one op that applies to the
 * current shape (or returns null), with the fresh leaves it needs, its layers call, its
 * float64 reference and its accumulation lengths.
 */
import * as L from '@layers/core';
import type { LeafKind, Step } from './programs.js';
import {
  BINARY_REF,
  broadcastRef,
  catRef,
  conv2dRef,
  expandRef,
  gatherRef,
  layerNormRef,
  matmulRef,
  numelOf,
  permuteRef,
  pool2dRef,
  reduceRef,
  sliceRef,
  softmaxRef,
  stackRef,
  UNARY_REF,
  unaryRef,
  whereRef,
} from './ref.js';
import type { Rng } from './rng.js';

const T = (x: L.Tensor) => x;

/** Adds a fresh leaf to the program and returns its index. @internal */
export type Leaf = (shape: number[], kind?: LeafKind, max?: number) => number;
/** Draws one step for the current shape `s`, or null when the op does not apply. @internal */
export type Builder = (rng: Rng, s: number[], leaf: Leaf, large: boolean) => Step | null;

/** A shape that broadcasts against s: s itself, some dims 1, a suffix, or 0-d. */
function broadcastable(rng: Rng, s: number[]): number[] {
  const r = rng.int(0, 3);
  if (r === 0) return [...s];
  if (r === 1) return s.map((d) => (rng.chance(0.5) ? 1 : d));
  if (r === 2) return s.slice(rng.int(0, s.length));
  return [];
}

const bshape = (a: number[], b: number[]) => L.broadcastShapes(a, b, 'differential');
const ratio = (big: number[], small: number[]) =>
  Math.max(1, Math.ceil(numelOf(big) / Math.max(1, numelOf(small))));

const unaryStep: Builder = (rng, s) => {
  const op = rng.pick(Object.keys(UNARY_REF));
  return {
    op,
    label: op,
    leaves: [],
    run: (x) => (x as any)[op]() as L.Tensor,
    ref: (x) => unaryRef(op, x),
    shape: s,
    accum: 1,
    gradAccum: 1,
  };
};

const binaryStep: Builder = (rng, s, leaf) => {
  const op = rng.pick(Object.keys(BINARY_REF));
  let os = broadcastable(rng, s);
  if (s.length < 4 && rng.chance(0.1)) os = [2, ...s]; // the fresh operand is the larger one
  const swap = rng.chance(0.3);
  const kind: LeafKind =
    op === 'pow' ? (swap ? 'positive' : rng.pick(['intexp', 'float'] as LeafKind[])) : 'float';
  const id = leaf(os, kind);
  const out = bshape(s, os);
  const f = BINARY_REF[op];
  const call = (a: L.Tensor, b: L.Tensor) => (a as any)[op](b) as L.Tensor;
  return {
    op,
    label: `${op}${swap ? '(fresh, x)' : ''} [${os}]`,
    leaves: [id],
    run: (x, [o]) => (swap ? call(o, x) : call(x, o)),
    ref: (x, [o]) => (swap ? broadcastRef(o, x, f) : broadcastRef(x, o, f)),
    shape: out,
    accum: 1,
    gradAccum: Math.max(ratio(out, s), ratio(out, os)),
    noGrad: op === 'floorDivide',
  };
};

const reduceStep: Builder = (rng, s) => {
  if (s.length === 0) return null;
  const op = rng.pick(['sum', 'mean', 'prod', 'max', 'min']);
  const dim = rng.int(0, s.length - 1);
  if ((op === 'max' || op === 'min') && s[dim] === 0) return null;
  if (op === 'prod' && s[dim] > 8) return null; // a long product over- or underflows
  const keepdim = rng.chance(0.5);
  const shape = keepdim ? s.map((d, i) => (i === dim ? 1 : d)) : s.filter((_, i) => i !== dim);
  const n = Math.max(1, s[dim]);
  return {
    op,
    label: `${op}(${dim}${keepdim ? ', keepdim' : ''})`,
    leaves: [],
    run: (x) => (x as any)[op](dim, { keepdim }) as L.Tensor,
    ref: (x) => reduceRef(op, x, dim, keepdim),
    shape,
    accum: op === 'max' || op === 'min' ? 1 : n,
    gradAccum: n,
  };
};

const matmulStep: Builder = (rng, s, leaf, large) => {
  if (s.length !== 2 && s.length !== 3) return null;
  const k = s[s.length - 1];
  const n = large ? rng.int(1, 2) : rng.int(1, 5);
  const os = s.length === 3 && rng.chance(0.5) ? [s[0], k, n] : [k, n];
  const id = leaf(os);
  const shape = [...s.slice(0, -1), n];
  return {
    op: 'matmul',
    label: `matmul [${os}]`,
    leaves: [id],
    run: (x, [o]) => x.matmul(o),
    ref: (x, [o]) => matmulRef(x, o),
    shape,
    accum: Math.max(1, k),
    gradAccum: Math.max(1, k, n, ...s),
  };
};

const viewStep: Builder = (rng, s) => {
  const kind = rng.pick(['transpose', 'permute', 'slice', 'reshape', 'unsqueeze', 'expand']);
  const view = (label: string, shape: number[], run: Step['run'], ref: Step['ref']): Step => ({
    op: kind,
    label,
    leaves: [],
    run,
    ref,
    shape,
    accum: 1,
    gradAccum: kind === 'expand' ? ratio(shape, s) : 1,
  });
  const r = s.length;
  if (kind === 'transpose' && r >= 2) {
    const a = rng.int(0, r - 1);
    const b = rng.int(0, r - 1);
    const dims = s.map((_, i) => (i === a ? b : i === b ? a : i));
    return view(
      `transpose(${a}, ${b})`,
      dims.map((d) => s[d]),
      (x) => x.transpose(a, b),
      (x) => permuteRef(x, dims),
    );
  }
  if (kind === 'permute' && r >= 2) {
    const dims = rng.perm(r);
    return view(
      `permute(${dims})`,
      dims.map((d) => s[d]),
      (x) => x.permute(dims),
      (x) => permuteRef(x, dims),
    );
  }
  if (kind === 'slice' && r >= 1) {
    const dim = rng.int(0, r - 1);
    if (s[dim] === 0) return null;
    const start = rng.int(0, s[dim] - 1);
    const end = rng.int(start + 1, s[dim]);
    const step = rng.pick([1, 2]);
    const shape = s.map((d, i) => (i === dim ? Math.ceil((end - start) / step) : d));
    return view(
      `slice(${dim}, ${start}, ${end}, ${step})`,
      shape,
      (x) => x.slice(dim, start, end, step),
      (x) => sliceRef(x, dim, start, end, step),
    );
  }
  if (kind === 'reshape') {
    const shape = r >= 2 && rng.chance(0.5) ? [s[0] * s[1], ...s.slice(2)] : [numelOf(s)];
    return view(
      `reshape(${shape})`,
      shape,
      (x) => x.reshape(shape),
      (x) => ({ shape, data: x.data.slice() }),
    );
  }
  if (kind === 'unsqueeze' && r < 4) {
    const d = rng.int(0, r);
    const shape = [...s.slice(0, d), 1, ...s.slice(d)];
    return view(
      `unsqueeze(${d})`,
      shape,
      (x) => x.unsqueeze(d),
      (x) => ({ shape, data: x.data.slice() }),
    );
  }
  if (kind === 'expand' && s.includes(1) && numelOf(s) <= 2000) {
    const shape = s.map((d) => (d === 1 ? 3 : d));
    return view(
      `expand(${shape})`,
      shape,
      (x) => x.expand(shape),
      (x) => expandRef(x, shape),
    );
  }
  return null;
};

const softmaxStep: Builder = (rng, s) => {
  if (s.length === 0) return null;
  const log = rng.chance(0.5);
  const dim = rng.int(0, s.length - 1);
  return {
    op: log ? 'logSoftmax' : 'softmax',
    label: `${log ? 'logSoftmax' : 'softmax'}(${dim})`,
    leaves: [],
    run: (x) => (log ? L.F.logSoftmax(x, dim) : L.F.softmax(x, dim)),
    ref: (x) => softmaxRef(x, dim, log),
    shape: s,
    accum: Math.max(1, s[dim]),
    gradAccum: Math.max(1, s[dim]),
  };
};

const layerNormStep: Builder = (rng, s, leaf) => {
  const n = s[s.length - 1];
  if (s.length === 0 || !n) return null;
  const affine = rng.chance(0.5);
  const ids = affine ? [leaf([n]), leaf([n])] : [];
  const rows = numelOf(s) / n;
  return {
    op: 'layerNorm',
    label: `layerNorm([${n}]${affine ? ', affine' : ''})`,
    leaves: ids,
    run: (x, [w, b]) => L.F.layerNorm(x, [n], { weight: w ?? null, bias: b ?? null, eps: 1e-5 }),
    ref: (x, [w, b]) => layerNormRef(x, w ?? null, b ?? null, 1e-5),
    shape: s,
    accum: n,
    gradAccum: Math.max(n, rows),
  };
};

const spatialOk = (s: number[], need: number) =>
  s.length >= 3 && s.every((d) => d > 0) && s[s.length - 1] + 2 >= need && s[s.length - 2] + 2 >= need;

const conv2dStep: Builder = (rng, s, leaf) => {
  if (s.length !== 4 || !spatialOk(s, 3) || s[1] > 6) return null;
  const [N, C, H, W] = s;
  const k = rng.int(1, Math.min(3, H + 2, W + 2));
  const padding = k > 1 && rng.chance(0.5) ? 1 : 0;
  if (H + 2 * padding < k || W + 2 * padding < k) return null;
  const stride = rng.pick([1, 2]);
  const O = rng.int(1, 3);
  const ids = [leaf([O, C, k, k])];
  const bias = rng.chance(0.5);
  if (bias) ids.push(leaf([O]));
  const Ho = Math.floor((H + 2 * padding - k) / stride) + 1;
  const Wo = Math.floor((W + 2 * padding - k) / stride) + 1;
  return {
    op: 'conv2d',
    label: `conv2d(k${k}, s${stride}, p${padding}${bias ? ', bias' : ''})`,
    leaves: ids,
    run: (x, [w, b]) => L.F.conv2d(x, w, b ?? null, { stride, padding }),
    ref: (x, [w, b]) => conv2dRef(x, w, b ?? null, stride, padding),
    shape: [N, O, Ho, Wo],
    accum: C * k * k,
    gradAccum: Math.max(C * k * k, N * Ho * Wo, O * k * k),
  };
};

const poolStep: Builder = (rng, s) => {
  if ((s.length !== 3 && s.length !== 4) || !spatialOk(s, 2)) return null;
  const kind = rng.pick(['max', 'avg'] as const);
  const k = rng.int(2, 3);
  const stride = rng.pick([1, 2]);
  const padding = rng.chance(0.3) ? 1 : 0;
  const [H, W] = s.slice(-2);
  if (H + 2 * padding < k || W + 2 * padding < k) return null;
  const Ho = Math.floor((H + 2 * padding - k) / stride) + 1;
  const Wo = Math.floor((W + 2 * padding - k) / stride) + 1;
  const op = kind === 'max' ? 'maxPool2d' : 'avgPool2d';
  return {
    op,
    label: `${op}(k${k}, s${stride}, p${padding})`,
    leaves: [],
    run: (x) =>
      kind === 'max' ? L.F.maxPool2d(x, k, { stride, padding }) : L.F.avgPool2d(x, k, { stride, padding }),
    ref: (x) => pool2dRef(x, kind, k, stride, padding),
    shape: [...s.slice(0, -2), Ho, Wo],
    accum: kind === 'max' ? 1 : k * k,
    gradAccum: k * k,
  };
};

const gatherStep: Builder = (rng, s, leaf) => {
  if (s.length === 0) return null;
  const dim = rng.int(0, s.length - 1);
  if (s[dim] === 0) return null;
  const shape = s.map((d, i) => (i === dim ? rng.int(1, 4) : d));
  const id = leaf(shape, 'index', s[dim]);
  return {
    op: 'gather',
    label: `gather(${dim}) [${shape}]`,
    leaves: [id],
    run: (x, [i]) => L.gather(x, dim, i),
    ref: (x, [i]) => gatherRef(x, dim, i),
    shape,
    accum: 1,
    gradAccum: 4,
  };
};

const joinStep: Builder = (rng, s, leaf) => {
  if (rng.chance(0.5) && s.length >= 1) {
    const dim = rng.int(0, s.length - 1);
    const os = s.map((d, i) => (i === dim ? rng.int(0, 2) : d));
    const id = leaf(os);
    const shape = s.map((d, i) => (i === dim ? d + os[dim] : d));
    return {
      op: 'cat',
      label: `cat(${dim}) [${os}]`,
      leaves: [id],
      run: (x, [o]) => L.cat([x, o], dim),
      ref: (x, [o]) => catRef([x, o], dim),
      shape,
      accum: 1,
      gradAccum: 1,
    };
  }
  if (s.length >= 4) return null;
  const dim = rng.int(0, s.length);
  const id = leaf([...s]);
  return {
    op: 'stack',
    label: `stack(${dim})`,
    leaves: [id],
    run: (x, [o]) => L.stack([x, o], dim),
    ref: (x, [o]) => stackRef([x, o], dim),
    shape: [...s.slice(0, dim), 2, ...s.slice(dim)],
    accum: 1,
    gradAccum: 1,
  };
};

const whereStep: Builder = (rng, s, leaf) => {
  const os = broadcastable(rng, s);
  const id = leaf(os);
  const shape = bshape(s, os);
  return {
    op: 'where',
    label: `where(x > 0, x, [${os}])`,
    leaves: [id],
    run: (x, [o]) => L.where(T(x).gt(0), x, o),
    ref: (x, [o]) => whereRef(x, x, o),
    shape,
    accum: 1,
    gradAccum: Math.max(ratio(shape, s), ratio(shape, os)),
  };
};

// Elementwise ops carry the most edge semantics: they are drawn more often.
/** @internal */
export const BUILDERS: Builder[] = [
  unaryStep,
  unaryStep,
  unaryStep,
  binaryStep,
  binaryStep,
  binaryStep,
  reduceStep,
  reduceStep,
  matmulStep,
  viewStep,
  viewStep,
  softmaxStep,
  layerNormStep,
  conv2dStep,
  poolStep,
  gatherStep,
  joinStep,
  whereStep,
];
