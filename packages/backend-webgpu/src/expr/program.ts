/**
 * The one place the WGSL expression codegen meets core's expression IR: everything else in
 * src/expr reads the normalised {@link Plan} built here, so a change of the IR's spelling is
 * a change of this file only.
 * @internal
 */
import type { BinaryOp, DType, ReduceOp, UnaryOp, View } from '@layers/core';

/** A node of the flat SSA program (operands are indices of earlier nodes). @internal */
export type ExprNode =
  | { readonly kind: 'load'; readonly input: number; readonly dtype: DType }
  | { readonly kind: 'const'; readonly value: number; readonly dtype: DType }
  | { readonly kind: 'param'; readonly index: number }
  | { readonly kind: 'unary'; readonly op: UnaryOp; readonly x: number }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly a: number; readonly b: number }
  | { readonly kind: 'where'; readonly cond: number; readonly a: number; readonly b: number }
  | { readonly kind: 'cast'; readonly dtype: DType; readonly x: number };

/** An expression program. @internal */
export interface ExprProgram {
  readonly nodes: readonly ExprNode[];
  readonly outputs: readonly number[];
  /** Reduce every output over the inner axis of [outer, inner]. */
  readonly reduce?: ExprReduce;
}

/** The final reduction of a program. @internal */
export interface ExprReduce {
  readonly op: Exclude<ReduceOp, 'argmax' | 'argmin'>;
  readonly outer: number;
  readonly inner: number;
}

/** One call of the expression kernel. @internal */
export interface ExprCall {
  readonly program: ExprProgram;
  /** Per-call float32 scalars read by `param` nodes. */
  readonly params: readonly number[];
  /** Inputs, broadcast to the iteration shape ([outer, inner] when reducing). */
  readonly inputs: readonly View[];
  /** Outputs (iteration shape, or [outer] when reducing); may alias inputs exactly. */
  readonly outputs: readonly View[];
}

const BOOL_RESULT = new Set<string>([
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
  'logicalXor',
  'logicalNot',
  'isnan',
]);

/** Result dtype of every node, in order; throws naming the node on a malformed program. @internal */
export function nodeTypes(p: ExprProgram): DType[] {
  const t: DType[] = [];
  const ref = (i: number, at: number): DType => {
    if (!Number.isInteger(i) || i < 0 || i >= at) {
      throw new Error(`expression: node ${at} refers to node ${i}, which does not come before it`);
    }
    return t[i];
  };
  p.nodes.forEach((n, i) => {
    switch (n.kind) {
      case 'load':
      case 'const':
      case 'cast':
        if (n.kind === 'cast') ref(n.x, i);
        t.push(n.dtype);
        break;
      case 'param':
        t.push('float32');
        break;
      case 'unary':
        t.push(BOOL_RESULT.has(n.op) ? 'bool' : ref(n.x, i));
        break;
      case 'binary': {
        const a = ref(n.a, i);
        const b = ref(n.b, i);
        if (a !== b) throw new Error(`expression: node ${i} (${n.op}) mixes ${a} and ${b}`);
        t.push(BOOL_RESULT.has(n.op) ? 'bool' : a);
        break;
      }
      case 'where': {
        ref(n.cond, i);
        const a = ref(n.a, i);
        if (a !== ref(n.b, i)) throw new Error(`expression: node ${i} (where) mixes branch dtypes`);
        t.push(a);
        break;
      }
    }
  });
  for (const o of p.outputs) ref(o, p.nodes.length);
  return t;
}

/** A stable text key of the program's structure (constants included, params not). @internal */
export function programKey(p: ExprProgram): string {
  let key = p.reduce ? `R${p.reduce.op};` : '';
  for (const n of p.nodes) {
    switch (n.kind) {
      case 'load':
        key += `l${n.input}${n.dtype[0]};`;
        break;
      case 'const':
        key += `c${Object.is(n.value, -0) ? '-0' : n.value}${n.dtype[0]};`;
        break;
      case 'param':
        key += `p${n.index};`;
        break;
      case 'unary':
        key += `u${n.op},${n.x};`;
        break;
      case 'binary':
        key += `b${n.op},${n.a},${n.b};`;
        break;
      case 'where':
        key += `w${n.cond},${n.a},${n.b};`;
        break;
      case 'cast':
        key += `t${n.dtype[0]},${n.x};`;
        break;
    }
  }
  return `${key}>${p.outputs.join(',')}`;
}
