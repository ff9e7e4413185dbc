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
import type { DType, ExpressionParams, ExprProgram, View } from '@layers/core';
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
  /**
   * The program in words [0, length): a buffer shared by every call and overwritten by the
   * next, so copy it out first. A fresh Int32Array per call cost an off-heap allocation and
   * its finalization: encodeExpr's hottest line (8% of a tiny Linear+Adam step's CPU profile).
   */
  words: Int32Array;
  length: number;
  /** Iteration count: elements (elementwise) or rows (reduce). */
  total: number;
  /** Element-operations for the threading decision. */
  work: number;
  reduce: boolean;
}

/**
 * The call-independent words of a program (its nodes, then the output ids and dtypes), made
 * once per program: core caches programs by structure (build.ts, grad.ts), so every Adam
 * step or ReLU backward hands the same object again. `params` lists, per param node, the
 * word that takes the call's value, the param index and the dtype to round to. Encoding a
 * 13-node Adam program per call walked and re-coded every node each time.
 */
interface ProgramWords {
  body: Int32Array;
  params: { word: number; index: number; dtype: DType }[];
}
let shared = new Int32Array(1024);
const programWords = new WeakMap<ExprProgram, ProgramWords>();

function wordsOf(
  prog: ExprProgram,
  unaryCode: (op: string) => number,
  binaryCode: (op: string) => number,
): ProgramWords {
  const hit = programWords.get(prog);
  if (hit) return hit;
  const nOut = prog.outputs.length;
  const body = new Int32Array(prog.nodes.length * 5 + 2 * nOut);
  const params: ProgramWords['params'] = [];
  const isOutput = new Set(prog.outputs);
  let w = 0;
  const put = (kind: number, a: number, b = 0, c = 0) => {
    body[w] = kind;
    body[w + 2] = a;
    body[w + 3] = b;
    body[w + 4] = c;
  };
  for (let i = 0; i < prog.nodes.length; i++) {
    const n = prog.nodes[i];
    body[w + 1] = DT[n.dtype];
    if (n.kind === 'load') {
      // An output that is a bare load is copied into its tile, so writing one output cannot
      // change another's source (outputs are written after every node of the tile ran).
      put(K_LOAD, nOut + n.input, isOutput.has(i) ? 1 : 0);
    } else if (n.kind === 'const') put(K_CONST, bitsOf(n.dtype, n.value));
    else if (n.kind === 'param') {
      put(K_CONST, 0);
      params.push({ word: w + 2, index: n.index, dtype: n.dtype });
    } else if (n.kind === 'unary') put(K_UNARY, unaryCode(n.op), n.x);
    else if (n.kind === 'binary') put(K_BINARY, binaryCode(n.op), n.a, n.b);
    else if (n.kind === 'where') put(K_WHERE, n.cond, n.a, n.b);
    else put(K_CAST, n.x);
    w += 5;
  }
  for (let k = 0; k < nOut; k++) {
    body[w + k] = prog.outputs[k];
    body[w + nOut + k] = DT[prog.nodes[prog.outputs[k]].dtype];
  }
  const words = { body, params };
  programWords.set(prog, words);
  return words;
}

/**
 * Encode one call. `addr` gives a view's byte address; `unaryCode` / `binaryCode` the
 * backend's op codes (the same for every call: the program's coded nodes are cached);
 * `scratchBytes` each thread's scratch (the tiles get what the tables leave). Returns null
 * when there is nothing to do.
 */
export function encodeExpr(
  p: ExpressionParams,
  addr: (v: View) => number,
  unaryCode: (op: string) => number,
  binaryCode: (op: string) => number,
  scratchBytes: number,
): EncodedExpr | null {
  const prog = p.program;
  const nOut = p.outputs.length;
  const nIn = p.inputs.length;
  const ops = nOut + nIn;
  if (nOut !== prog.outputs.length) {
    throw new Error(
      `layers wasm: expression '${prog.name}' has ${prog.outputs.length} outputs but ${nOut} views were given`,
    );
  }
  if (ops > EXPR_LIMITS.operands || nOut > EXPR_LIMITS.outputs || prog.nodes.length > EXPR_LIMITS.nodes) {
    throw new Error(
      `layers wasm: expression '${prog.name}': ${prog.nodes.length} nodes and ${ops} views exceed the kernel's ${EXPR_LIMITS.nodes} and ${EXPR_LIMITS.operands}`,
    );
  }
  const view = (k: number): View => (k < nOut ? p.outputs[k] : p.inputs[k - nOut]);
  let shape: number[];
  let strides: (readonly number[])[];
  let total: number;
  if (prog.reduce) {
    const x = p.inputs[0];
    if (x?.shape.length !== 2)
      throw new Error(`layers wasm: expression '${prog.name}' reduces but has no [outer, inner] input`);
    const outer = nOut ? p.outputs[0].shape[0] : x.shape[0];
    shape = [outer, x.shape[1]];
    strides = [];
    for (let k = 0; k < ops; k++) strides.push(k < nOut ? [view(k).strides[0] ?? 1, 0] : view(k).strides);
    total = outer;
  } else {
    const all: (readonly number[])[] = [];
    for (let k = 0; k < ops; k++) all.push(view(k).strides);
    const c = coalesce(p.outputs.length ? p.outputs[0].shape : p.inputs[0].shape, all);
    shape = c.shape;
    strides = c.strides;
    total = 1;
    for (const d of shape) total *= d;
  }
  if (total === 0) return null;
  const nNodes = prog.nodes.length;
  const tile = Math.min(
    MAX_TILE,
    Math.floor((scratchBytes - EXPR_LIMITS.tableBytes) / (4 * Math.max(1, nNodes)) / 8) * 8,
  );
  if (tile < 8)
    throw new Error(
      `layers wasm: expression '${prog.name}': ${nNodes} nodes do not fit the kernel's scratch`,
    );
  const code = wordsOf(prog, unaryCode, binaryCode);
  const r = shape.length;
  const head = H_WORDS + r + ops * (2 + r);
  const length = head + code.body.length;
  if (length > shared.length) shared = new Int32Array(Math.max(length, 2 * shared.length));
  const words = shared;
  words[0] = nNodes;
  words[1] = nIn;
  words[2] = nOut;
  words[3] = r;
  words[4] = prog.reduce ? REDUCE_CODE[prog.reduce.op] : -1;
  words[5] = tile;
  words[6] = 0;
  words[7] = 0;
  // Element by element: TypedArray.set from a JS array takes a slow path.
  for (let d = 0; d < r; d++) words[H_WORDS + d] = shape[d];
  let w = H_WORDS + r;
  for (let k = 0; k < ops; k++) {
    const v = view(k);
    const st = strides[k];
    words[w] = addr(v);
    words[w + 1] = DT[v.dtype];
    for (let d = 0; d < r; d++) words[w + 2 + d] = st[d];
    w += 2 + r;
  }
  words.set(code.body, head);
  for (const q of code.params) {
    const v = p.params[q.index];
    if (v === undefined)
      throw new Error(`layers wasm: expression '${prog.name}' reads param ${q.index} of ${p.params.length}`);
    words[head + q.word] = bitsOf(q.dtype, v);
  }
  const elements = prog.reduce ? total * shape[1] : total;
  return { words, length, total, work: elements * Math.max(1, nNodes), reduce: !!prog.reduce };
}

/** Same elements in the same order (an in-place output reads its input before writing it). */
export function sameView(a: View, b: View): boolean {
  if (a.buffer !== b.buffer || a.offset !== b.offset || a.dtype !== b.dtype) return false;
  for (let d = 0; d < a.shape.length; d++) {
    if (a.shape[d] !== 1 && a.strides[d] !== b.strides[d]) return false;
  }
  return true;
}
