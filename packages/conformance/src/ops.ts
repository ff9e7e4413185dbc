/**
 * Maps each fixture op name (PyTorch semantics, layers' camelCase names) to calls on the
 * layers API. Arguments arrive decoded: tensors (views already applied), numbers, tensor
 * lists, or null.
 */
import * as L from '@layers/core';
import { decodeNumber, type EncodedNumber, type FixtureCase, isEncodedTensor, numel } from './fixtures.js';
import { BASIC_OPS } from './nn/basic.js';
import { CONV_OPS } from './nn/conv.js';
import { LOSS_OPS } from './nn/loss.js';
import { MORE_OPS } from './nn/more.js';
import { MORE_LAYER_OPS } from './nn/more-layers.js';
import { SEQ_OPS } from './nn/seq.js';
import { GRAD2, grad2, HIGHER_ORDER_OPS, innerCase } from './ops/higher-order.js';
import { INDEX_OPS } from './ops/index-ops.js';
import { TENSOR_OPS } from './ops/tensor-ops.js';

/** A decoded fixture input as an op function receives it. */
export type Arg = L.Tensor | number | L.Tensor[] | null;
type Attrs = Record<string, any>;
/**
 * Maps a fixture op to the layers call: positional inputs and the case's attributes in, the result tensor
 * (or tensors) out.
 */
export type OpFn = (args: Arg[], attrs: Attrs) => L.Tensor | L.Tensor[] | Promise<L.Tensor | L.Tensor[]>;

const T = (a: Arg): L.Tensor => a as L.Tensor;
const TN = (a: Arg): L.Tensor | number => a as L.Tensor | number;
const dtypeOpt = (attrs: Attrs): { dtype?: L.DType } => (attrs.dtype ? { dtype: attrs.dtype } : {});
const dimOpt = (attrs: Attrs): number | number[] | undefined => attrs.dim ?? undefined;
const val = (v: EncodedNumber): number => decodeNumber(v);

/** The backend's unary ops, plus square (composed in core). */
type UnaryName = L.UnaryOp | 'square';
const unary =
  (name: UnaryName): OpFn =>
  (a) =>
    T(a[0])[name]();

const binary =
  (name: L.BinaryOp): OpFn =>
  (a) =>
    (T(a[0]) as any)[name](TN(a[1])) as L.Tensor;

type ReduceName = 'sum' | 'mean' | 'prod' | 'max' | 'min' | 'all' | 'any';
// api.md gives every reduction `dim?: number | number[]`; cast so multi-dim cases reach core.
const reduce =
  (name: ReduceName): OpFn =>
  (a, at) =>
    (T(a[0]) as any)[name](dimOpt(at), { keepdim: at.keepdim });

const unaryNames: UnaryName[] = [...L.UNARY_OPS, 'square'];

const reduceNames: ReduceName[] = ['sum', 'mean', 'prod', 'max', 'min', 'all', 'any'];

/** Every fixture op's mapping to a layers call, by op name; extend it with {@link registerOps}. */
export const OPS: Record<string, OpFn> = {
  ...Object.fromEntries(unaryNames.map((n) => [n, unary(n)])),
  ...Object.fromEntries(L.BINARY_OPS.map((n) => [n, binary(n)])),
  ...Object.fromEntries(reduceNames.map((n) => [n, reduce(n)])),
  clamp: (a, at) => T(a[0]).clamp(at.min ?? null, at.max ?? null),
  where: (a) => L.where(T(a[0]), TN(a[1]), TN(a[2])),
  maskedFill: (a, at) => L.maskedFill(T(a[0]), T(a[1]), val(at.value)),

  argmax: (a, at) => T(a[0]).argmax(dimOpt(at) as number | undefined, { keepdim: at.keepdim }),
  argmin: (a, at) => T(a[0]).argmin(dimOpt(at) as number | undefined, { keepdim: at.keepdim }),
  var: (a, at) => T(a[0]).var(dimOpt(at), { correction: at.correction, keepdim: at.keepdim }),
  std: (a, at) => T(a[0]).std(dimOpt(at), { correction: at.correction, keepdim: at.keepdim }),
  logsumexp: (a, at) => T(a[0]).logsumexp(at.dim, { keepdim: at.keepdim }),

  matmul: (a) => T(a[0]).matmul(T(a[1])),
  mm: (a) => T(a[0]).mm(T(a[1])),
  bmm: (a) => T(a[0]).bmm(T(a[1])),
  t: (a) => T(a[0]).t(),

  reshape: (a, at) => T(a[0]).reshape(at.shape),
  view: (a, at) => T(a[0]).view(at.shape),
  flatten: (a, at) => T(a[0]).flatten(at.startDim, at.endDim),
  squeeze: (a, at) => T(a[0]).squeeze(at.dim ?? undefined),
  unsqueeze: (a, at) => T(a[0]).unsqueeze(at.dim),
  expand: (a, at) => T(a[0]).expand(at.shape),
  expandAs: (a) => T(a[0]).expandAs(T(a[1])),
  transpose: (a, at) => T(a[0]).transpose(at.dim0, at.dim1),
  permute: (a, at) => T(a[0]).permute(at.dims),
  narrow: (a, at) => T(a[0]).narrow(at.dim, at.start, at.length),
  select: (a, at) => T(a[0]).select(at.dim, at.index),
  slice: (a, at) => T(a[0]).slice(at.dim, at.start ?? undefined, at.end ?? undefined, at.step ?? 1),
  contiguous: (a) => T(a[0]).contiguous(),
  clone: (a) => T(a[0]).clone(),
  detach: (a) => T(a[0]).detach(),
  cast: (a, at) => T(a[0]).cast(at.dtype),
  float: (a) => T(a[0]).float(),
  int: (a) => T(a[0]).int(),
  bool: (a) => T(a[0]).bool(),

  cat: (a, at) => L.cat(a[0] as L.Tensor[], at.dim),
  stack: (a, at) => L.stack(a[0] as L.Tensor[], at.dim),
  split: (a, at) => L.split(T(a[0]), at.splitSizeOrSections, at.dim),
  chunk: (a, at) => L.chunk(T(a[0]), at.chunks, at.dim),
  pad: (a, at) =>
    L.pad(T(a[0]), at.pad, { mode: at.mode, ...(at.value !== undefined ? { value: val(at.value) } : {}) }),
  indexSelect: (a, at) => L.indexSelect(T(a[0]), at.dim, T(a[1])),
  gather: (a, at) => L.gather(T(a[0]), at.dim, T(a[1])),
  scatterAdd: (a, at) => L.scatterAdd(T(a[0]), at.dim, T(a[1]), T(a[2])),

  arange: (_a, at) => {
    const [x, y, z] = at.args as number[];
    if (at.args.length === 1) return at.dtype ? L.arange(0, x, 1, dtypeOpt(at)) : L.arange(x);
    return L.arange(x, y, z ?? 1, dtypeOpt(at));
  },
  linspace: (_a, at) => L.linspace(at.start, at.end, at.steps),
  eye: (_a, at) => L.eye(at.n, at.m ?? undefined, dtypeOpt(at)),
  full: (_a, at) => L.full(at.shape, val(at.value), dtypeOpt(at)),
  zeros: (_a, at) => L.zeros(at.shape, dtypeOpt(at)),
  ones: (_a, at) => L.ones(at.shape, dtypeOpt(at)),
  zerosLike: (a) => L.zerosLike(T(a[0])),
  onesLike: (a) => L.onesLike(T(a[0])),
  fullLike: (a, at) => L.fullLike(T(a[0]), val(at.value)),
  tensor: (_a, at) =>
    L.tensor(at.data, { ...(at.shape ? { shape: at.shape } : {}), ...(at.dtype ? { dtype: at.dtype } : {}) }),

  // Composite functions for autograd fixtures: the same compositions as gen_autograd().
  mlp: ([x, w1, b1, w2]) => T(x).matmul(T(w1)).add(T(b1)).tanh().matmul(T(w2)),
  reuse: ([x, y]) =>
    T(x)
      .mul(T(x))
      .add(T(x).exp().mul(T(y))),
  diamond: ([x]) => {
    const a = T(x).sigmoid();
    return a.mul(a.log1p()).add(a.sum(1, { keepdim: true }));
  },
  softmaxManual: ([x]) =>
    T(x)
      .sub(T(x).logsumexp(-1, { keepdim: true }))
      .exp(),
  broadcastChain: ([x, y, z]) => T(x).add(T(y)).mul(T(z)).mean(),
  viewChain: ([x]) =>
    T(x).t().reshape([-1]).slice(0, 1, undefined, 2).mul(3).unsqueeze(0).expand([2, 6]).sum(0),
  normalize: ([x]) => {
    const v = T(x).var(-1, { correction: 0, keepdim: true });
    return T(x)
      .sub(T(x).mean(-1, { keepdim: true }))
      .div(v.add(1e-5).sqrt());
  },
  maskedSoftmaxish: ([x, m]) => T(x).maskedFill(T(m), Number.NEGATIVE_INFINITY).exp().sum(-1),
  gatherLoss: ([x, i]) =>
    L.gather(T(x).sub(T(x).logsumexp(1, { keepdim: true })), 1, T(i))
      .mean()
      .neg(),
  catSplit: ([a, b]) => {
    const parts = L.split(L.cat([T(a), T(b)], 1), 2, 1);
    return parts[0].mul(parts[1].sum()).add(parts[2].pow(2).sum());
  },
  whereClamp: ([x]) => L.where(T(x).gt(0), T(x).clamp(null, 1.0), T(x).mul(0.1)),
  powChain: ([x, y]) =>
    T(x)
      .pow(T(y))
      .sqrt()
      .mul(L.atan2(T(y), T(x))),
};

/** Thrown when core does not (yet) export the function a fixture op needs. */
export class MissingApi extends Error {}

function nnFn(name: string): (...args: any[]) => L.Tensor {
  const fn = (L.F as Record<string, unknown>)[name];
  if (typeof fn !== 'function') throw new MissingApi(`@layers/core does not export F.${name}`);
  return fn as (...args: any[]) => L.Tensor;
}

export const NN_OPS: Record<string, OpFn> = {
  softmax: (a, at) => L.F.softmax(T(a[0]), at.dim),
  logSoftmax: (a, at) => L.F.logSoftmax(T(a[0]), at.dim),
  // torch.nn.functional.layer_norm(x, normalized_shape, weight, bias, eps)
  layerNorm: (a, at) =>
    nnFn('layerNorm')(T(a[0]), at.normalizedShape, { weight: a[1] ?? null, bias: a[2] ?? null, eps: at.eps }),
  // torch.nn.functional.conv2d(x, weight, bias, stride, padding, dilation, groups)
  conv2d: (a, at) =>
    nnFn('conv2d')(T(a[0]), T(a[1]), a[2], {
      stride: at.stride ?? 1,
      padding: at.padding ?? 0,
      dilation: at.dilation ?? 1,
      groups: at.groups ?? 1,
    }),
};
Object.assign(OPS, NN_OPS);
Object.assign(OPS, LOSS_OPS);
Object.assign(OPS, SEQ_OPS);
Object.assign(OPS, BASIC_OPS);
Object.assign(OPS, TENSOR_OPS);
Object.assign(OPS, INDEX_OPS);
Object.assign(OPS, CONV_OPS);
Object.assign(OPS, HIGHER_ORDER_OPS);

/** The mapping of a fixture op; `grad2.<op>` differentiates `<op>`'s mapping twice. */
export function lookupOp(op: string): OpFn | undefined {
  if (OPS[op] || !op.startsWith(GRAD2)) return OPS[op];
  const inner = OPS[op.slice(GRAD2.length)];
  return inner && grad2(inner);
}
Object.assign(OPS, MORE_OPS);
Object.assign(OPS, MORE_LAYER_OPS);

/** Add or replace fixture-op mappings (for fixture families generated outside generate.py). */
export function registerOps(table: Record<string, OpFn>): void {
  Object.assign(OPS, table);
}

const maxDimOps = new Set(['matmul', 'mm', 'bmm', 'mlp']);

/**
 * How many float32 terms one output (or gradient) element may accumulate: for matmul the
 * largest dimension involved (K forward, M or N for gradients); otherwise the largest ratio
 * between an input's and the output's element count (reductions) or the reverse
 * (broadcasting, whose gradients are sums).
 */
export function accumulation(c: FixtureCase): number {
  if (c.op.startsWith(GRAD2) && c.attrs.outShapes) return accumulation(innerCase(c));
  const ins = c.inputs.flatMap((x) =>
    isEncodedTensor(x) ? [x] : x && typeof x === 'object' && 'tensors' in x ? x.tensors : [],
  );
  const outs = Array.isArray(c.out) ? c.out : [c.out];
  // A generator that knows the op's true accumulation length (conv: Cg*K) states it.
  if (typeof c.attrs.accum === 'number') return Math.max(1, c.attrs.accum);
  if (maxDimOps.has(c.op)) return Math.max(1, ...ins.flatMap((t) => t.shape));
  if (c.op === 'softmax' || c.op === 'logSoftmax') {
    const shape = ins[0].view ? outs[0].shape : ins[0].shape;
    return shape[(c.attrs.dim + shape.length) % shape.length];
  }
  if (c.op === 'layerNorm') return numel(c.attrs.normalizedShape);
  if (c.op === 'conv2d') {
    // forward: C/groups * kh * kw terms; weight gradient: N * Hout * Wout terms
    const [x, w] = ins;
    const o = outs[0].shape;
    return Math.max(w.shape[1] * w.shape[2] * w.shape[3], x.shape[0] * o[2] * o[3]);
  }
  const outN = Math.max(1, ...outs.map((o) => numel(o.shape)));
  let k = 1;
  for (const t of ins) {
    const n = Math.max(1, numel(t.shape));
    k = Math.max(k, Math.ceil(n / outN), Math.ceil(outN / n));
  }
  return k;
}
