/**
 * Encoding of core's expression programs (packages/core/src/expr/ir.ts) for the tile
 * interpreter in assembly/expr.ts, and the one place this backend reads the IR.
 *
 * Why an interpreter and not WebAssembly generated per program: the interpreter lives in the
 * kernels module every worker already has, so a program needs no compile, no per-worker
 * instantiation and no cache, and each node runs the SIMD row loops the unary/binary kernels
 * use (so it rounds like them). Its overhead is one dispatch per node per tile of 512
 * elements (~0.1 ns per element and node). Measured (1 thread, CPU time, best of 25, 1M
 * float32, 2-core shared machine): tanh-GELU (9 ops) 10.2 ms as a kernel chain, 7.9 ms
 * fused (the cpu backend's JS codegen: 29.6 ms); erf-GELU (5 ops) 20.7 ms chained, 18.0 ms
 * fused. Adam over 1M parameters: 3.6 ms as an expression, 6.2 ms through the hand-written
 * adamStep kernel, which is why that kernel is gone. Both GELUs are bound by the
 * transcendental (tanh/erf in float64), which generated code would run the same way; what
 * generated code could save is the tile loads/stores of the cheap nodes, under 2 ms here,
 * at the price of a compile per program and per worker. Not built for that reason.
 *
 * Program words (i32), written per call into a region this backend owns:
 *   0 nodes, 1 inputs, 2 outputs, 3 rank, 4 reduce op (-1: none), 5 tile, 6-7 spare,
 *   8.. shape[rank], then per operand (outputs first, then inputs) ptr, dtype, strides[rank],
 *   then per node kind, dtype, a, b, c (see assembly/expr.ts), then the output node ids and
 *   their dtypes.
 * @internal
 */
import type { DType, ExpressionParams, View } from '@layers/core';
import { coalesce } from './strided.js';

const K_LOAD = 0;
const K_CONST = 1;
const K_UNARY = 2;
const K_BINARY = 3;
const K_WHERE = 4;
const K_CAST = 5;
const H_WORDS = 8;
const REDUCE_CODE = { sum: 0, prod: 1, max: 2, min: 3 } as const;
// Core runs 16-bit floats through float32 copies, so programs never load them: -1.
const DT: Record<DType, number> = { float32: 0, int32: 1, bool: 2, float16: -1, bfloat16: -1 };

/** Table limits of assembly/expr.ts (operand offsets, accumulators, node pointers). */
export const EXPR_LIMITS = { operands: 128, outputs: 128, nodes: 1664, tableBytes: 8192 } as const;
/**
 * Largest tile (elements). 256, 512 and 1,024 measured the same within noise (GELU below);
 * 512 keeps a 14-node program's tiles (28 KB) in L1 and leaves room for larger programs.
 */
const MAX_TILE = 512;

const f32 = new Float32Array(1);
const f32w = new Int32Array(f32.buffer);
/** A value's element bits in `dtype` (core's rounding: float32 nearest, int32 ToInt32, bool != 0). */
function bitsOf(dtype: DType, v: number): number {
  if (dtype === 'float32') {
    f32[0] = v;
    return f32w[0];
  }
  if (dtype === 'int32') return v | 0;
  return v !== 0 ? 1 : 0;
}

/** The encoded program and what the backend needs to dispatch it. @internal */
export interface EncodedExpr {
  words: Int32Array;
  /** Iteration count: elements (elementwise) or rows (reduce). */
  total: number;
  /** Element-operations for the threading decision. */
  work: number;
  reduce: boolean;
}

/**
 * Encode one call. `addr` gives a view's byte address; `unaryCode` / `binaryCode` the
 * backend's op codes; `scratchBytes` each thread's scratch (the tiles get what the tables
 * leave). Returns null when there is nothing to do.
 */
export function encodeExpr(
  p: ExpressionParams,
  addr: (v: View) => number,
  unaryCode: (op: string) => number,
  binaryCode: (op: string) => number,
  scratchBytes: number,
): EncodedExpr | null {
  const prog = p.program;
  const name = `layers wasm: expression '${prog.name}'`;
  const nOut = p.outputs.length;
  const ops = nOut + p.inputs.length;
  if (nOut !== prog.outputs.length) {
    throw new Error(`${name} has ${prog.outputs.length} outputs but ${nOut} views were given`);
  }
  if (ops > EXPR_LIMITS.operands || nOut > EXPR_LIMITS.outputs || prog.nodes.length > EXPR_LIMITS.nodes) {
    throw new Error(
      `${name}: ${prog.nodes.length} nodes and ${ops} views exceed the kernel's ${EXPR_LIMITS.nodes} and ${EXPR_LIMITS.operands}`,
    );
  }
  const views = [...p.outputs, ...p.inputs];
  let shape: number[];
  let strides: number[][];
  let total: number;
  if (prog.reduce) {
    const x = p.inputs[0];
    if (x?.shape.length !== 2) throw new Error(`${name} reduces but has no [outer, inner] input`);
    const outer = nOut ? p.outputs[0].shape[0] : x.shape[0];
    shape = [outer, x.shape[1]];
    strides = views.map((v, k) => (k < nOut ? [v.strides[0] ?? 1, 0] : [...v.strides]));
    total = outer;
  } else {
    const c = coalesce(
      views[0].shape,
      views.map((v) => v.strides),
    );
    shape = c.shape;
    strides = c.strides;
    total = shape.reduce((a, b) => a * b, 1);
  }
  if (total === 0) return null;
  const nNodes = prog.nodes.length;
  const tile = Math.min(
    MAX_TILE,
    Math.floor((scratchBytes - EXPR_LIMITS.tableBytes) / (4 * Math.max(1, nNodes)) / 8) * 8,
  );
  if (tile < 8) throw new Error(`${name}: ${nNodes} nodes do not fit the kernel's scratch`);
  const r = shape.length;
  const words = new Int32Array(H_WORDS + r + ops * (2 + r) + nNodes * 5 + 2 * nOut);
  words.set([nNodes, p.inputs.length, nOut, r, prog.reduce ? REDUCE_CODE[prog.reduce.op] : -1, tile]);
  words.set(shape, H_WORDS);
  let w = H_WORDS + r;
  views.forEach((v, k) => {
    words[w] = addr(v);
    words[w + 1] = DT[v.dtype];
    words.set(strides[k], w + 2);
    w += 2 + r;
  });
  const isOutput = new Set(prog.outputs);
  prog.nodes.forEach((n, i) => {
    words[w + 1] = DT[n.dtype];
    switch (n.kind) {
      case 'load':
        words[w] = K_LOAD;
        words[w + 2] = nOut + n.input;
        // An output that is a bare load is copied into its tile, so writing one output cannot
        // change another's source (outputs are written after every node of the tile ran).
        words[w + 3] = isOutput.has(i) ? 1 : 0;
        break;
      case 'const':
        words[w] = K_CONST;
        words[w + 2] = bitsOf(n.dtype, n.value);
        break;
      case 'param': {
        const v = p.params[n.index];
        if (v === undefined) throw new Error(`${name} reads param ${n.index} of ${p.params.length}`);
        words[w] = K_CONST;
        words[w + 2] = bitsOf(n.dtype, v);
        break;
      }
      case 'unary':
        words[w] = K_UNARY;
        words[w + 2] = unaryCode(n.op);
        words[w + 3] = n.x;
        break;
      case 'binary':
        words[w] = K_BINARY;
        words[w + 2] = binaryCode(n.op);
        words[w + 3] = n.a;
        words[w + 4] = n.b;
        break;
      case 'where':
        words[w] = K_WHERE;
        words[w + 2] = n.cond;
        words[w + 3] = n.a;
        words[w + 4] = n.b;
        break;
      case 'cast':
        words[w] = K_CAST;
        words[w + 2] = n.x;
        break;
    }
    w += 5;
  });
  prog.outputs.forEach((o, k) => {
    words[w + k] = o;
    words[w + nOut + k] = DT[prog.nodes[o].dtype];
  });
  const elements = prog.reduce ? total * shape[1] : total;
  return { words, total, work: elements * Math.max(1, nNodes), reduce: !!prog.reduce };
}

/** Same elements in the same order (an in-place output reads its input before writing it). */
export function sameView(a: View, b: View): boolean {
  if (a.buffer !== b.buffer || a.offset !== b.offset || a.dtype !== b.dtype) return false;
  for (let d = 0; d < a.shape.length; d++) {
    if (a.shape[d] !== 1 && a.strides[d] !== b.strides[d]) return false;
  }
  return true;
}
