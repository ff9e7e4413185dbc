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
  if (first?.shape.length !== 2) {
    throw new Error(
      `@layers/backend-webgpu: expression '${call.program.name}' reduces but has no [outer, inner] input`,
    );
  }
  return { op: r.op, outer: out ? out.shape[0] : first.shape[0], inner: first.shape[1] };
}

/**
 * The words the shader reads for its scalars, in node order: one per param node and one per
 * constant. Constants travel as data rather than WGSL literals so the shader compiler cannot
 * fold them (Tint/SwiftShader fold 0 / 0 to 0, where the kernels give NaN); the program key
 * still names them, so the same compiled pipeline always gets the same constant words.
 */
export function scalarWords(call: ExprCall, consts = true): number[] {
  const words: number[] = [];
  for (const n of call.program.nodes) {
    let v: number;
    if (n.kind === 'const') {
      if (!consts) continue;
      v = n.value;
    } else if (n.kind === 'param') {
      const p = call.params[n.index];
      if (p === undefined) {
        throw new Error(
          `@layers/backend-webgpu: expression '${call.program.name}' reads param ${n.index} of ${call.params.length}`,
        );
      }
      v = p;
    } else continue;
    words.push(n.dtype === 'float32' ? f32Bits(v) : n.dtype === 'int32' ? v | 0 : v !== 0 ? 1 : 0);
  }
  return words;
}
