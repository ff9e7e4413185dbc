/**
 * The ABI between the TypeScript side and the kernels module: op codes, the exports the pool
 * may run, element sizes, and the buffer type every kernel address comes from.
 */
import type { BinaryOp, DType, ReduceOp, UnaryOp } from '@layers/core';

/**
 * Op codes of the kernels: index i here is U_* / B_* = i in assembly/scalar.ts. Written out
 * rather than taken from core's UNARY_OPS/BINARY_OPS, whose order is not this ABI.
 */
export const UNARY_OPS: readonly UnaryOp[] = [
  'neg',
  'abs',
  'sign',
  'exp',
  'expm1',
  'log',
  'log1p',
  'sqrt',
  'rsqrt',
  'reciprocal',
  'sin',
  'cos',
  'tan',
  'tanh',
  'sigmoid',
  'erf',
  'floor',
  'ceil',
  'round',
  'relu',
  'logicalNot',
  'isnan',
];
export const BINARY_OPS: readonly BinaryOp[] = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'atan2',
  'remainder',
  'floorDivide',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
  'logicalXor',
];
/** @internal Reduce op codes (R_* in assembly/reduce.ts). */
export const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'prod', 'max', 'min', 'argmax', 'argmin'];
/** @internal dtype codes of the kernels. */
// float16/bfloat16 never reach a wasm kernel (src/half.ts converts them in JavaScript): -1.
export const DTYPE_CODE: Record<DType, number> = { float32: 0, int32: 1, bool: 2, float16: -1, bfloat16: -1 };
/** @internal Bytes per element. */
export const ELEM_BYTES: Record<DType, number> = { float32: 4, int32: 4, bool: 1, float16: 2, bfloat16: 2 };

/** @internal Exports the pool may run; a worker receives this table once and calls by index. */
export const PARALLEL_KERNELS = [
  'unary',
  'binary',
  'where',
  'copy',
  'fill',
  'gather',
  'reduce',
  'packB',
  'gemm',
  'addBias',
  'depthwise',
  'softmax',
  'layerNorm',
  'philox',
  'lstmCell',
  'gruCell',
  'pool2d',
  'convGemm',
  'weightGrad',
  'pool2dBackward',
  'expr',
  'exprReduce',
  'transpose',
] as const;
/** @internal A name of {@link PARALLEL_KERNELS}. */
export type KernelName = (typeof PARALLEL_KERNELS)[number];

/** @internal A block of the linear memory: a tensor's storage or internal scratch. */
export class WasmBuffer {
  released = false;
  constructor(
    readonly ptr: number,
    readonly bytes: number,
  ) {}
}

/** @internal The kernels module's exports, called by name. */
export interface Exports {
  [name: string]: any;
  memory: WebAssembly.Memory;
}

/** @internal Row-major strides of `shape`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}
