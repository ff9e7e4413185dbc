/**
 * The stable cache key of an expression program: backends compile once per key, so two
 * programs with equal keys must compute the same thing. The key spells out every node with
 * its operands and dtype, the outputs, the reduction and the input/param counts; the name is
 * left out (it does not change the semantics). Constants are written with enough digits to
 * round-trip, and NaN, +-Infinity and -0 are kept distinct.
 */
import type { ExprNode, ExprReduce } from './ir.js';

const DT: Record<string, string> = { float32: 'f', int32: 'i', bool: 'b' };

function dt(dtype: string): string {
  return DT[dtype] ?? dtype;
}

function constText(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

function nodeText(n: ExprNode): string {
  switch (n.kind) {
    case 'load':
      return `L${n.input}${dt(n.dtype)}`;
    case 'const':
      return `C${constText(n.value)}${dt(n.dtype)}`;
    case 'param':
      return `P${n.index}${dt(n.dtype)}`;
    case 'unary':
      return `U${n.op}(${n.x})`;
    case 'binary':
      return `B${n.op}(${n.a},${n.b})`;
    case 'where':
      return `W(${n.cond},${n.a},${n.b})`;
    case 'cast':
      return `T${dt(n.dtype)}(${n.x})`;
  }
}

/** The cache key of a program given its parts (see the file comment). */
export function programKey(
  nodes: readonly ExprNode[],
  outputs: readonly number[],
  inputCount: number,
  paramCount: number,
  reduce: ExprReduce | undefined,
  relaxed = false,
): string {
  const body = nodes.map(nodeText).join(';');
  return `${inputCount}/${paramCount}${relaxed ? '~' : ''}|${body}|>${outputs.join(',')}${reduce ? `|R${reduce.op}` : ''}`;
}
