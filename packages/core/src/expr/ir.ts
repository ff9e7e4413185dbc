/**
 * The scalar expression IR: a flat SSA program of elementwise work that a backend runs as one
 * kernel (the optional `fused.expression`), core's reference interpreter runs in JS, and
 * core's fallback runs through the required kernels.
 *
 * A program describes what happens to ONE output element (or one row, with a reduction):
 * every node computes a scalar from earlier nodes. Nodes are numbered by their position in
 * `nodes` and may refer only to earlier positions, so a backend generates code in one pass
 * in order. Every node records the dtype of its result (resolved by the builder), so code
 * generators never infer types.
 *
 * Semantics of each op are those of the required kernel of the same name (`Kernels.unary`,
 * `binary`, `where`, `copy`), defined once in scalar.ts: every node's value is rounded to its
 * dtype (float32 rounding, int32 wrap-around, bool 0/1) as if it had been stored to a tensor
 * of that dtype, so a fused program gives the bits the composed kernels give.
 *
 * This file is a contract with the backends' code generators: change it only additively.
 */
import type { BinaryOp, DType, UnaryOp } from '../backend/contract.js';

/** Reads input `input` (a `View` of the call) at the current element. */
export interface LoadNode {
  /** Discriminant. */
  readonly kind: 'load';
  /** Index into the call's `inputs`. */
  readonly input: number;
  /** The input's dtype (the view's dtype must match). */
  readonly dtype: DType;
}

/** A constant baked into the program (and its cache key). */
export interface ConstNode {
  /** Discriminant. */
  readonly kind: 'const';
  /** The value, already representable in `dtype` (NaN and +-Infinity allowed for float32). */
  readonly value: number;
  /** Result dtype. */
  readonly dtype: DType;
}

/**
 * A per-call scalar (`params[index]` of the call): values that change between calls (a
 * learning rate, beta^t) are parameters so the same compiled kernel serves every step.
 */
export interface ParamNode {
  /** Discriminant. */
  readonly kind: 'param';
  /** Index into the call's `params`. */
  readonly index: number;
  /** Result dtype (the value is rounded to it: float32 rounding, int32 truncation). */
  readonly dtype: DType;
}

/** `op(x)` with the semantics of `Kernels.unary`. */
export interface UnaryNode {
  /** Discriminant. */
  readonly kind: 'unary';
  /** The op. */
  readonly op: UnaryOp;
  /** Operand node id. */
  readonly x: number;
  /** Result dtype: the operand's, or bool for `logicalNot` and `isnan`. */
  readonly dtype: DType;
}

/** `op(a, b)` with the semantics of `Kernels.binary`; `a` and `b` share a dtype. */
export interface BinaryNode {
  /** Discriminant. */
  readonly kind: 'binary';
  /** The op. */
  readonly op: BinaryOp;
  /** Left operand node id. */
  readonly a: number;
  /** Right operand node id. */
  readonly b: number;
  /** Result dtype: the operands', or bool for comparisons and logical ops. */
  readonly dtype: DType;
}

/** `cond ? a : b` (`cond` is bool; `a`, `b` and the result share a dtype). */
export interface WhereNode {
  /** Discriminant. */
  readonly kind: 'where';
  /** Condition node id (bool). */
  readonly cond: number;
  /** Value where the condition holds. */
  readonly a: number;
  /** Value elsewhere. */
  readonly b: number;
  /** Result dtype. */
  readonly dtype: DType;
}

/** Conversion with the semantics of `Kernels.copy` (float→int truncates, anything→bool is `!= 0`). */
export interface CastNode {
  /** Discriminant. */
  readonly kind: 'cast';
  /** Operand node id. */
  readonly x: number;
  /** Target dtype. */
  readonly dtype: DType;
}

/** One step of an {@link ExprProgram}. */
export type ExprNode = LoadNode | ConstNode | ParamNode | UnaryNode | BinaryNode | WhereNode | CastNode;

/** The reductions a program may end with (the float ones of `Kernels.reduce`). */
export const EXPR_REDUCE_OPS = ['sum', 'prod', 'max', 'min'] as const;
/** A reduction an {@link ExprProgram} may end with. */
export type ExprReduceOp = (typeof EXPR_REDUCE_OPS)[number];

/**
 * An optional final reduction. With it, the call's inputs are `[outer, inner]` views and its
 * outputs `[outer]` views: each output is its node's value reduced over `inner` with `op`
 * (semantics of `Kernels.reduce`: `max`/`min` propagate NaN; an empty row gives the identity).
 */
export interface ExprReduce {
  /** The reduction applied to every output. */
  readonly op: ExprReduceOp;
}

/** A complete program: what one fused kernel computes. */
export interface ExprProgram {
  /** The nodes in dependency order (a node refers only to smaller ids). */
  readonly nodes: readonly ExprNode[];
  /** Node ids written to the call's outputs, one per output view (same dtype as the view). */
  readonly outputs: readonly number[];
  /** How many input views a call passes (every load's `input` is below it). */
  readonly inputCount: number;
  /** How many params a call passes (every param's `index` is below it). */
  readonly paramCount: number;
  /** Optional reduction over the inner axis (see {@link ExprReduce}). */
  readonly reduce?: ExprReduce;
  /**
   * Relaxed rounding (added after the first IR commit, optional): float32 nodes that are not
   * outputs may be kept at a higher precision than float32 (a JS backend keeps float64, saving
   * the per-node Math.fround that costs ~2x on an Adam step); outputs are still rounded to
   * their dtype, and int32/bool nodes always are. Rounding every node, as without the flag,
   * is one valid implementation. Used by updates whose hand-written kernels never rounded
   * their intermediates (optimizers, RNN cells).
   */
  readonly relaxed?: boolean;
  /** A short name for profiles and errors (`gelu`, `adam`); not part of the semantics. */
  readonly name: string;
  /** Stable cache key: equal keys mean equal programs (see key.ts). */
  readonly key: string;
}
