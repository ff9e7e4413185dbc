/**
 * The reference interpreter: what an expression program means, element by element, in plain
 * JS from scalar.ts's table. Backends' compiled kernels and core's fallback are tested
 * against it; nothing on a hot path runs it.
 */
import type { DType } from '../backend/contract.js';
import type { ExprNode, ExprProgram, ExprReduceOp } from './ir.js';
import { binaryScalar, roundTo, unaryScalar } from './scalar.js';

function operandDType(nodes: readonly ExprNode[], id: number): DType {
  return nodes[id].dtype;
}

/**
 * The value of node `n` (rounded to its dtype) given its operands' values `v(id)` and input
 * `i`'s value at this element `load(i)`: the one definition of what each node computes.
 */
export function nodeValue(
  n: ExprNode,
  nodes: readonly ExprNode[],
  v: (id: number) => number,
  load: (input: number) => number,
  params: readonly number[],
): number {
  let r: number;
  switch (n.kind) {
    case 'load':
      r = load(n.input);
      break;
    case 'const':
      r = n.value;
      break;
    case 'param':
      r = params[n.index];
      break;
    case 'unary': {
      const f = unaryScalar(n.op, operandDType(nodes, n.x));
      if (f === undefined)
        throw new TypeError(`expression: unary '${n.op}' is not defined for ${nodes[n.x].dtype}`);
      r = f(v(n.x));
      break;
    }
    case 'binary':
      r = binaryScalar(n.op, operandDType(nodes, n.a))(v(n.a), v(n.b));
      break;
    case 'where':
      r = v(n.cond) !== 0 ? v(n.a) : v(n.b);
      break;
    case 'cast':
      r = v(n.x);
      break;
  }
  return roundTo(n.dtype, r);
}

/**
 * Evaluate every node of `program` for one element: `loads[i]` is input i's value there.
 * Returns the value of each node (rounded to its dtype), indexed by node id.
 */
export function evaluateNodes(
  program: ExprProgram,
  loads: readonly number[],
  params: readonly number[],
): number[] {
  const nodes = program.nodes;
  const v = new Array<number>(nodes.length);
  const get = (id: number) => v[id];
  const load = (i: number) => loads[i];
  for (let k = 0; k < nodes.length; k++) v[k] = nodeValue(nodes[k], nodes, get, load, params);
  return v;
}

/** The identity of each reduction (an empty row's result). */
export const REDUCE_IDENTITY: Readonly<Record<ExprReduceOp, number>> = {
  sum: 0,
  prod: 1,
  max: Number.NEGATIVE_INFINITY,
  min: Number.POSITIVE_INFINITY,
};

/**
 * One step of reduction `op` with `Kernels.reduce`'s semantics: float sums and products in
 * float64, int32 ones wrapping, max/min propagating NaN.
 */
export function reduceStep(op: ExprReduceOp, dtype: DType, acc: number, x: number): number {
  const int = dtype !== 'float32';
  switch (op) {
    case 'sum':
      return int ? (acc + x) | 0 : acc + x;
    case 'prod':
      return int ? Math.imul(acc, x) : acc * x;
    // Not Math.max/min: on +0 vs -0 the first one seen is kept, as the reduce kernels do.
    case 'max':
      // biome-ignore lint/complexity/useMathMinMax: keeps the first of +0/-0, like Kernels.reduce
      return Number.isNaN(acc) || Number.isNaN(x) ? Number.NaN : x > acc ? x : acc;
    case 'min':
      // biome-ignore lint/complexity/useMathMinMax: keeps the first of +0/-0, like Kernels.reduce
      return Number.isNaN(acc) || Number.isNaN(x) ? Number.NaN : x < acc ? x : acc;
  }
}

/** Dense operands of {@link interpret}. */
export interface InterpretArgs {
  /** Each input's values, dense row-major over the call shape (`size`, or `outer * inner` with a reduction). */
  readonly inputs: readonly ArrayLike<number>[];
  /** The call's params. */
  readonly params: readonly number[];
  /** Elements of the call shape (without a reduction). */
  readonly size?: number;
  /** Rows and row length (with a reduction). */
  readonly outer?: number;
  /** Row length (with a reduction). */
  readonly inner?: number;
}

/**
 * Run `program` over dense inputs and return each output's values (rounded to its dtype):
 * `size` values each, or `outer` with a reduction.
 */
export function interpret(program: ExprProgram, args: InterpretArgs): number[][] {
  const loads = new Array<number>(program.inputCount).fill(0);
  const outs = program.outputs;
  const read = (e: number): void => {
    for (let i = 0; i < program.inputCount; i++) loads[i] = args.inputs[i][e];
  };
  if (program.reduce === undefined) {
    const size = args.size ?? 0;
    const res = outs.map(() => new Array<number>(size));
    for (let e = 0; e < size; e++) {
      read(e);
      const v = evaluateNodes(program, loads, args.params);
      for (let o = 0; o < outs.length; o++) res[o][e] = v[outs[o]];
    }
    return res;
  }
  const op = program.reduce.op;
  const outer = args.outer ?? 0;
  const inner = args.inner ?? 0;
  const res = outs.map(() => new Array<number>(outer));
  for (let r = 0; r < outer; r++) {
    const acc = outs.map(() => REDUCE_IDENTITY[op]);
    for (let c = 0; c < inner; c++) {
      read(r * inner + c);
      const v = evaluateNodes(program, loads, args.params);
      for (let o = 0; o < outs.length; o++) {
        acc[o] = reduceStep(op, program.nodes[outs[o]].dtype, acc[o], v[outs[o]]);
      }
    }
    for (let o = 0; o < outs.length; o++) res[o][r] = roundTo(program.nodes[outs[o]].dtype, acc[o]);
  }
  return res;
}
