/**
 * The cpu backend's `fused.expression`: each program is compiled once (per cache key) into a
 * JavaScript function with `new Function` and kept. Elementwise programs compile to a row
 * kernel run under `forEachRow` (shape coalesced by core's layout helper, so a contiguous or
 * simply broadcast call is one row); reductions to a loop over rows with the accumulators
 * in float64, as the `reduce` kernel accumulates.
 */
import { type ExpressionParams, expr, type TypedArray } from '@layers/core';
import { dataOf } from '../buffers.js';
import { forEachRow } from '../strided.js';
import { bodySource, paramSource } from './expr-codegen.js';

type Program = expr.ExprProgram;
type RowKernel = (
  n: number,
  offs: readonly number[],
  steps: readonly number[],
  I: readonly TypedArray[],
  O: readonly TypedArray[],
  P: readonly number[],
  T: typeof TABLE,
) => void;
type ReduceKernel = (
  outer: number,
  inner: number,
  I: readonly TypedArray[],
  io: readonly number[],
  rowStride: readonly number[],
  colStride: readonly number[],
  O: readonly TypedArray[],
  oo: readonly number[],
  os: readonly number[],
  P: readonly number[],
  T: typeof TABLE,
) => void;

/** The scalar functions generated code calls for ops it does not inline (core's one table). */
const TABLE = { uf: expr.FLOAT_UNARY, ui: expr.INT_UNARY, bf: expr.FLOAT_BINARY, bi: expr.INT_BINARY };

const rowCache = new Map<string, RowKernel>();
const reduceCache = new Map<string, ReduceKernel>();

function range(n: number, f: (i: number) => string): string {
  return Array.from({ length: n }, (_, i) => f(i)).join('\n');
}

function compileRow(p: Program): RowKernel {
  const m = p.outputs.length;
  const k = p.inputCount;
  const body = bodySource(p);
  const dense = [
    ...range(m, (j) => `so${j} === 1`).split('\n'),
    ...range(k, (i) => `si${i} === 1`).split('\n'),
  ]
    .filter(Boolean)
    .join(' && ');
  const src = [
    range(k, (i) => `const I${i} = I[${i}]; let i${i} = offs[${m + i}]; const si${i} = steps[${m + i}];`),
    range(m, (j) => `const O${j} = O[${j}]; let o${j} = offs[${j}]; const so${j} = steps[${j}];`),
    paramSource(p),
    // Dense rows (the common case once coalesced) index every operand by one counter.
    `if (${dense}) {`,
    'for (let e = 0; e < n; e++) {',
    body.replace(/I(\d+)\[i\1\]/g, 'I$1[i$1 + e]'),
    range(m, (j) => `O${j}[o${j} + e] = v${p.outputs[j]};`),
    '}',
    'return;',
    '}',
    'for (let e = 0; e < n; e++) {',
    body,
    // Every input of the element is read above, before any store: outputs may alias inputs.
    range(m, (j) => `O${j}[o${j}] = v${p.outputs[j]}; o${j} += so${j};`),
    range(k, (i) => `i${i} += si${i};`),
    '}',
  ].join('\n');
  return new Function('n', 'offs', 'steps', 'I', 'O', 'P', 'T', src) as RowKernel;
}

const IDENTITY: Record<expr.ExprReduceOp, string> = {
  sum: '0',
  prod: '1',
  max: '-Infinity',
  min: 'Infinity',
};

function step(op: expr.ExprReduceOp, int: boolean, acc: string, v: string): string {
  switch (op) {
    case 'sum':
      return int ? `${acc} = (${acc} + ${v}) | 0;` : `${acc} += ${v};`;
    case 'prod':
      return int ? `${acc} = Math.imul(${acc}, ${v});` : `${acc} *= ${v};`;
    // Once the accumulator is NaN no comparison replaces it; a NaN element replaces anything.
    case 'max':
      return `if (${v} > ${acc} || ${v} !== ${v}) ${acc} = ${v};`;
    case 'min':
      return `if (${v} < ${acc} || ${v} !== ${v}) ${acc} = ${v};`;
  }
}

function compileReduce(p: Program): ReduceKernel {
  const op = (p.reduce as expr.ExprReduce).op;
  const m = p.outputs.length;
  const k = p.inputCount;
  const src = [
    range(k, (i) => `const I${i} = I[${i}]; const ra${i} = rowStride[${i}]; const ca${i} = colStride[${i}];`),
    range(m, (j) => `const O${j} = O[${j}];`),
    paramSource(p),
    'for (let r = 0; r < outer; r++) {',
    range(k, (i) => `let i${i} = io[${i}] + r * ra${i};`),
    range(m, (j) => `let a${j} = ${IDENTITY[op]};`),
    'for (let c = 0; c < inner; c++) {',
    bodySource(p),
    range(m, (j) => step(op, p.nodes[p.outputs[j]].dtype !== 'float32', `a${j}`, `v${p.outputs[j]}`)),
    range(k, (i) => `i${i} += ca${i};`),
    '}',
    range(m, (j) => `O${j}[oo[${j}] + r * os[${j}]] = a${j};`),
    '}',
  ].join('\n');
  return new Function(
    'outer',
    'inner',
    'I',
    'io',
    'rowStride',
    'colStride',
    'O',
    'oo',
    'os',
    'P',
    'T',
    src,
  ) as ReduceKernel;
}

function cached<K>(cache: Map<string, K>, p: Program, compile: (p: Program) => K): K {
  let kernel = cache.get(p.key);
  if (kernel === undefined) {
    kernel = compile(p);
    cache.set(p.key, kernel);
  }
  return kernel;
}

/** Contract: FusedKernels.expression. */
export function expression(call: ExpressionParams): void {
  const { program, inputs, outputs, params } = call;
  const I = inputs.map(dataOf);
  const O = outputs.map(dataOf);
  if (program.reduce) {
    const kernel = cached(reduceCache, program, compileReduce);
    const [outer, inner] = inputs.length > 0 ? inputs[0].shape : [outputs[0].shape[0], 0];
    kernel(
      outer,
      inner,
      I,
      inputs.map((v) => v.offset),
      inputs.map((v) => v.strides[0]),
      inputs.map((v) => v.strides[1]),
      O,
      outputs.map((v) => v.offset),
      outputs.map((v) => v.strides[0]),
      params,
      TABLE,
    );
    return;
  }
  const kernel = cached(rowCache, program, compileRow);
  const views = [...outputs, ...inputs];
  forEachRow(
    outputs[0].shape,
    views.map((v) => v.strides),
    views.map((v) => v.offset),
    (n, offs, steps) => kernel(n, offs, steps, I, O, params, TABLE),
  );
}
