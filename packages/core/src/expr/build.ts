/**
 * Building expression programs: an {@link ExprBuilder} appends nodes in dependency order,
 * resolves and checks each node's dtype with the contract's rules (the errors name the
 * program, the op and the dtypes), merges identical nodes (so a composition may say
 * `b.mul(x, x)` twice and get one node), and `build` seals the program with its cache key.
 */
import type { BinaryOp, DType, UnaryOp } from '../backend/contract.js';
import { BINARY_OPS, UNARY_OPS } from '../backend/contract.js';
import { EXPR_REDUCE_OPS, type ExprNode, type ExprProgram, type ExprReduceOp } from './ir.js';
import { programKey } from './key.js';
import { binaryResultDType, COMPARISON_OPS, roundTo, unaryResultDType, unaryScalar } from './scalar.js';

/** Options of {@link ExprBuilder.build}. */
export interface BuildOptions {
  /** End with this reduction over the inner axis (see `ExprReduce`). */
  readonly reduce?: ExprReduceOp;
  /** At least this many inputs (calls pass them even where no load reads them). */
  readonly inputCount?: number;
  /** At least this many params. */
  readonly paramCount?: number;
  /** Allow float32 intermediates above float32 precision (see `ExprProgram.relaxed`). */
  readonly relaxed?: boolean;
}

const UNARY = new Set<string>(UNARY_OPS);
const BINARY = new Set<string>(BINARY_OPS);
// Float-only binary ops: int32 true division is promoted by core, never asked of a kernel.
const FLOAT_ONLY_BINARY = new Set<BinaryOp>(['div', 'atan2']);
const INT_UNARY_OPS = new Set<UnaryOp>(['neg', 'abs', 'sign', 'relu', 'logicalNot']);

/** Appends nodes to a program under construction; every method returns the new node's id. */
export class ExprBuilder {
  private readonly nodes: ExprNode[] = [];
  private readonly memo = new Map<string, number>();
  private inputCount = 0;
  private paramCount = 0;

  /** The program's name in profiles and errors. */
  readonly name: string;

  /** @param name - the program's name in profiles and errors. */
  constructor(name: string) {
    this.name = name;
  }

  /** The dtype of node `id`. */
  dtypeOf(id: number): DType {
    const n = this.nodes[id];
    if (n === undefined)
      throw new RangeError(`expression '${this.name}': no node ${id} (${this.nodes.length} so far)`);
    return n.dtype;
  }

  /** Read input `input` (the call's `inputs[input]`, of `dtype`). */
  load(input: number, dtype: DType = 'float32'): number {
    if (!Number.isInteger(input) || input < 0) {
      throw new RangeError(
        `expression '${this.name}': load index must be a non-negative integer, got ${input}`,
      );
    }
    for (let k = 0; k < this.nodes.length; k++) {
      const n = this.nodes[k];
      if (n.kind === 'load' && n.input === input && n.dtype !== dtype) {
        throw new TypeError(`expression '${this.name}': input ${input} loaded as ${n.dtype} and as ${dtype}`);
      }
    }
    this.inputCount = Math.max(this.inputCount, input + 1);
    return this.push({ kind: 'load', input, dtype });
  }

  /** A constant, rounded to `dtype`. */
  const(value: number, dtype: DType = 'float32'): number {
    return this.push({ kind: 'const', value: roundTo(dtype, value), dtype });
  }

  /** The call's `params[index]`, rounded to `dtype`. */
  param(index: number, dtype: DType = 'float32'): number {
    if (!Number.isInteger(index) || index < 0) {
      throw new RangeError(
        `expression '${this.name}': param index must be a non-negative integer, got ${index}`,
      );
    }
    this.paramCount = Math.max(this.paramCount, index + 1);
    return this.push({ kind: 'param', index, dtype });
  }

  /** `op(x)`. */
  unary(op: UnaryOp, x: number): number {
    if (!UNARY.has(op)) throw new TypeError(`expression '${this.name}': unknown unary op '${op}'`);
    const dtype = this.dtypeOf(x);
    // The contract's kernels define on int32 only neg, abs, sign, relu and logicalNot, on bool only logicalNot.
    const allowed = dtype === 'float32' || (dtype === 'int32' ? INT_UNARY_OPS.has(op) : op === 'logicalNot');
    if (unaryScalar(op, dtype) === undefined || !allowed) {
      throw new TypeError(`expression '${this.name}': unary '${op}' is not defined for ${dtype}`);
    }
    return this.push({ kind: 'unary', op, x, dtype: unaryResultDType(op, dtype) });
  }

  /** `op(a, b)`; both operands must share a dtype (cast first). */
  binary(op: BinaryOp, a: number, b: number): number {
    if (!BINARY.has(op)) throw new TypeError(`expression '${this.name}': unknown binary op '${op}'`);
    const da = this.dtypeOf(a);
    const db = this.dtypeOf(b);
    if (da !== db) {
      throw new TypeError(
        `expression '${this.name}': binary '${op}' needs operands of one dtype, got ${da} and ${db}`,
      );
    }
    if (da === 'bool' && !COMPARISON_OPS.has(op)) {
      throw new TypeError(
        `expression '${this.name}': binary '${op}' is not defined for bool; cast to int32 or float32 first`,
      );
    }
    if (FLOAT_ONLY_BINARY.has(op) && da !== 'float32') {
      throw new TypeError(`expression '${this.name}': binary '${op}' is float32 only, got ${da}`);
    }
    return this.push({ kind: 'binary', op, a, b, dtype: binaryResultDType(op, da) });
  }

  /** `cond ? a : b`. */
  where(cond: number, a: number, b: number): number {
    const dc = this.dtypeOf(cond);
    if (dc !== 'bool')
      throw new TypeError(`expression '${this.name}': where needs a bool condition, got ${dc}`);
    const da = this.dtypeOf(a);
    const db = this.dtypeOf(b);
    if (da !== db) {
      throw new TypeError(
        `expression '${this.name}': where needs branches of one dtype, got ${da} and ${db}`,
      );
    }
    return this.push({ kind: 'where', cond, a, b, dtype: da });
  }

  /** Convert `x` to `dtype` (a no-op when it already has it). */
  cast(x: number, dtype: DType): number {
    if (this.dtypeOf(x) === dtype) return x;
    return this.push({ kind: 'cast', x, dtype });
  }

  /** `a + b`. */
  add(a: number, b: number): number {
    return this.binary('add', a, b);
  }
  /** `a - b`. */
  sub(a: number, b: number): number {
    return this.binary('sub', a, b);
  }
  /** `a * b`. */
  mul(a: number, b: number): number {
    return this.binary('mul', a, b);
  }
  /** `a / b`. */
  div(a: number, b: number): number {
    return this.binary('div', a, b);
  }

  /** Seal the program: `outputs` are node ids, one per output view of a call. */
  build(outputs: readonly number[], options: BuildOptions = {}): ExprProgram {
    if (outputs.length === 0)
      throw new RangeError(`expression '${this.name}': a program needs at least one output`);
    for (const o of outputs) this.dtypeOf(o);
    const reduce = options.reduce;
    if (reduce !== undefined) {
      if (!(EXPR_REDUCE_OPS as readonly string[]).includes(reduce)) {
        throw new TypeError(`expression '${this.name}': unknown reduction '${reduce}'`);
      }
      // The rows' length comes from the input views, so a reduction reads at least one.
      if (this.inputCount === 0)
        throw new RangeError(`expression '${this.name}': a reduction needs at least one input`);
      for (const o of outputs) {
        if (this.dtypeOf(o) === 'bool') {
          throw new TypeError(
            `expression '${this.name}': cannot reduce a bool output with '${reduce}'; cast it first`,
          );
        }
      }
    }
    this.inputCount = Math.max(this.inputCount, options.inputCount ?? 0);
    this.paramCount = Math.max(this.paramCount, options.paramCount ?? 0);
    const nodes = this.nodes.slice();
    const outs = [...outputs];
    const r = reduce === undefined ? undefined : { op: reduce };
    const relaxed = options.relaxed === true;
    const key = programKey(nodes, outs, this.inputCount, this.paramCount, r, relaxed);
    return {
      nodes,
      outputs: outs,
      inputCount: this.inputCount,
      paramCount: this.paramCount,
      ...(r ? { reduce: r } : {}),
      ...(relaxed ? { relaxed } : {}),
      name: this.name,
      key,
    };
  }

  private push(node: ExprNode): number {
    const sig = JSON.stringify(node, (_k, v) =>
      Object.is(v, -0) ? '-0' : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
    );
    const seen = this.memo.get(sig);
    if (seen !== undefined) return seen;
    const id = this.nodes.length;
    this.nodes.push(node);
    this.memo.set(sig, id);
    return id;
  }
}
