/**
 * The one place the WGSL expression codegen meets core's expression IR
 * (packages/core/src/expr/ir.ts): the rest of src/expr and kernels/expression.ts read only
 * what this file hands them, so a change of the IR's spelling is a change here.
 * @internal
 */
import type { DType, ExpressionParams, ExprNode, ExprProgram, expr, View } from '@layers/core';
import { f32Bits } from '../kernels/common.js';

export type { ExprNode, ExprProgram };
/** One call of the expression kernel (the contract's parameters). @internal */
export type ExprCall = ExpressionParams;

/** The final reduction with its geometry, taken from the views. @internal */
export interface ExprReduce {
  readonly op: expr.ExprReduceOp;
  readonly outer: number;
  readonly inner: number;
}

/** Result dtype of every node (the IR records them). @internal */
export function nodeTypes(p: ExprProgram): DType[] {
  return p.nodes.map((n) => n.dtype);
}

/** The program's cache key (structure and constants, not params). @internal */
export function programKey(p: ExprProgram): string {
  return p.key;
}

/**
 * Geometry of a reducing call: inputs are [outer, inner], outputs [outer]. A program that
 * loads nothing has no row length to read, which the contract does not allow.
 */
export function reduceOf(call: ExprCall): ExprReduce | null {
  const r = call.program.reduce;
  if (!r) return null;
  const first: View | undefined = call.inputs[0];
  const out = call.outputs[0];
  if (!first || first.shape.length !== 2) {
    throw new Error(
      `@layers/backend-webgpu: expression '${call.program.name}' reduces but has no [outer, inner] input`,
    );
  }
  return { op: r.op, outer: out ? out.shape[0] : first.shape[0], inner: first.shape[1] };
}

/**
 * The params words in the order the shader reads them: one per param node (a node's dtype
 * says how its value is stored), so the shader's P offsets are fixed by the program alone.
 */
export function paramWords(call: ExprCall): number[] {
  const words: number[] = [];
  for (const n of call.program.nodes) {
    if (n.kind !== 'param') continue;
    const v = call.params[n.index];
    if (v === undefined) {
      throw new Error(
        `@layers/backend-webgpu: expression '${call.program.name}' reads param ${n.index} of ${call.params.length}`,
      );
    }
    words.push(n.dtype === 'float32' ? f32Bits(v) : n.dtype === 'int32' ? v | 0 : v !== 0 ? 1 : 0);
  }
  return words;
}
