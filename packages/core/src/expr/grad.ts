/**
 * Symbolic differentiation of expression programs (reverse mode over the SSA nodes): the
 * backward of an expression op is another expression program, run as one kernel and itself
 * differentiable, so fused ops stay differentiable to any order. The derivative rules are
 * the ones core's composed ops use (ops/elementwise.ts, ops/pointwise.ts), PyTorch's:
 * relu passes the gradient where its output is > 0, sign/floor/ceil/round have none, ties
 * of maximum/minimum split it, pow's is 0 where the exponent is 0.
 *
 * The derivative program's inputs are the forward inputs, then one gradient per forward
 * output (float32, the forward's output shape; with a sum reduction `[outer, 1]`, broadcast
 * over the row); its outputs are the gradients of the inputs selected by `wrt`, over the
 * call shape (the caller sums them down to broadcast inputs' shapes). Forward values are
 * recomputed from the inputs rather than saved: an op saves only its inputs.
 */
import { ExprBuilder } from './build.js';
import type { ExprNode, ExprProgram, UnaryNode } from './ir.js';

type B = ExprBuilder;

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** d/dx of unary `n` times g: x and y are the operand and result node ids in `b`. */
function unaryGrad(b: B, n: UnaryNode, g: number, x: number, y: number): number | null {
  const c = (v: number) => b.const(v);
  switch (n.op) {
    case 'neg':
      return b.unary('neg', g);
    case 'abs':
      return b.mul(g, b.unary('sign', x));
    case 'exp':
      return b.mul(g, y);
    case 'expm1':
      return b.mul(g, b.add(y, c(1)));
    case 'log':
      return b.div(g, x);
    case 'log1p':
      return b.div(g, b.add(x, c(1)));
    case 'sqrt':
      return b.div(g, b.mul(y, c(2)));
    case 'rsqrt':
      return b.mul(b.mul(g, c(-0.5)), b.mul(b.mul(y, y), y));
    case 'reciprocal':
      return b.mul(b.unary('neg', g), b.mul(y, y));
    case 'sin':
      return b.mul(g, b.unary('cos', x));
    case 'cos':
      return b.mul(g, b.unary('neg', b.unary('sin', x)));
    case 'tan':
      return b.mul(g, b.add(b.mul(y, y), c(1)));
    case 'tanh':
      return b.mul(g, b.sub(c(1), b.mul(y, y)));
    case 'sigmoid':
      return b.mul(b.mul(g, b.sub(c(1), y)), y);
    case 'erf':
      return b.mul(g, b.mul(c(TWO_OVER_SQRT_PI), b.unary('exp', b.unary('neg', b.mul(x, x)))));
    case 'relu':
      return b.where(b.binary('gt', y, c(0)), g, c(0));
    default:
      // STEP_UNARY_OPS (scalar.ts): zero almost everywhere; logicalNot, isnan: bool.
      return null;
  }
}

/** d/da and d/db of binary `n` (operands a, b, result y in `b`) times g. */
function binaryGrad(
  bd: B,
  n: Extract<ExprNode, { kind: 'binary' }>,
  g: number,
  a: number,
  b: number,
  y: number,
): [number | null, number | null] {
  const c = (v: number) => bd.const(v);
  const neg = (v: number) => bd.unary('neg', v);
  switch (n.op) {
    case 'add':
      return [g, g];
    case 'sub':
      return [g, neg(g)];
    case 'mul':
      return [bd.mul(g, b), bd.mul(g, a)];
    case 'div':
      return [bd.div(g, b), neg(bd.div(bd.mul(g, y), b))];
    case 'pow': {
      const da = bd.where(
        bd.binary('eq', b, c(0)),
        c(0),
        bd.mul(bd.mul(g, b), bd.binary('pow', a, bd.sub(b, c(1)))),
      );
      const zeroBase = bd.binary('logicalAnd', bd.binary('eq', a, c(0)), bd.binary('ge', b, c(0)));
      const db = bd.where(zeroBase, c(0), bd.mul(bd.mul(g, y), bd.unary('log', a)));
      return [da, db];
    }
    case 'maximum':
    case 'minimum': {
      const tie = bd.where(bd.binary('eq', a, b), bd.div(g, c(2)), g);
      const [loseA, loseB] = n.op === 'maximum' ? (['lt', 'gt'] as const) : (['gt', 'lt'] as const);
      return [bd.where(bd.binary(loseA, a, b), c(0), tie), bd.where(bd.binary(loseB, a, b), c(0), tie)];
    }
    case 'atan2': {
      // Scaled by s = max(|a|, |b|) so the squares neither overflow nor underflow (as atan2's composed grad).
      const m = bd.binary('maximum', bd.unary('abs', a), bd.unary('abs', b));
      const finite = bd.binary(
        'logicalAnd',
        bd.binary('gt', m, c(0)),
        bd.binary('lt', m, c(Number.POSITIVE_INFINITY)),
      );
      const s = bd.where(finite, m, c(1));
      const an = bd.div(a, s);
      const bn = bd.div(b, s);
      const denom = bd.mul(bd.add(bd.mul(an, an), bd.mul(bn, bn)), s);
      return [bd.div(bd.mul(g, bn), denom), bd.div(neg(bd.mul(g, an)), denom)];
    }
    case 'remainder':
      return [g, neg(bd.mul(g, bd.binary('floorDivide', a, b)))];
    default:
      return [null, null];
  }
}

const cache = new Map<string, ExprProgram>();

/**
 * The derivative program of `p` with respect to the inputs where `wrt[i]` is true (each must
 * be a float32 input). Cached per program key and mask.
 */
export function gradProgram(p: ExprProgram, wrt: readonly boolean[]): ExprProgram {
  const cacheKey = `${p.key}#${wrt.map((w) => (w ? 1 : 0)).join('')}`;
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  if (p.reduce && p.reduce.op !== 'sum') {
    throw new TypeError(`expression '${p.name}': a '${p.reduce.op}' reduction has no derivative program`);
  }
  const b = new ExprBuilder(`${p.name}'`);
  const fwd: number[] = [];
  for (const n of p.nodes) fwd.push(replay(b, n, fwd));
  const adj = new Map<number, number>();
  const inAdj = new Map<number, number>();
  const acc = (m: Map<number, number>, id: number, g: number | null) => {
    if (g === null) return;
    const prev = m.get(id);
    m.set(id, prev === undefined ? g : b.add(prev, g));
  };
  const isFloat = (id: number) => p.nodes[id].dtype === 'float32';
  p.outputs.forEach((o, j) => {
    if (isFloat(o)) acc(adj, o, b.load(p.inputCount + j, 'float32'));
  });
  for (let k = p.nodes.length - 1; k >= 0; k--) {
    const g = adj.get(k);
    if (g === undefined) continue;
    const n = p.nodes[k];
    if (n.kind === 'load') acc(inAdj, n.input, g);
    else if (n.kind === 'unary' && isFloat(n.x)) acc(adj, n.x, unaryGrad(b, n, g, fwd[n.x], fwd[k]));
    else if (n.kind === 'binary' && isFloat(n.a)) {
      const [ga, gb] = binaryGrad(b, n, g, fwd[n.a], fwd[n.b], fwd[k]);
      acc(adj, n.a, ga);
      acc(adj, n.b, gb);
    } else if (n.kind === 'where') {
      const zero = b.const(0);
      acc(adj, n.a, b.where(fwd[n.cond], g, zero));
      acc(adj, n.b, b.where(fwd[n.cond], zero, g));
    }
    // const, param, cast (float->int/bool has no gradient; int/bool->float has no float source).
  }
  const outputs: number[] = [];
  wrt.forEach((w, i) => {
    if (w) outputs.push(inAdj.get(i) ?? b.const(0));
  });
  // Keep every input and output-gradient slot, used or not, so calls pass a fixed list.
  const program = b.build(outputs, { inputCount: p.inputCount + p.outputs.length, paramCount: p.paramCount });
  cache.set(cacheKey, program);
  return program;
}

function replay(b: B, n: ExprNode, fwd: readonly number[]): number {
  switch (n.kind) {
    case 'load':
      return b.load(n.input, n.dtype);
    case 'const':
      return b.const(n.value, n.dtype);
    case 'param':
      return b.param(n.index, n.dtype);
    case 'unary':
      return b.unary(n.op, fwd[n.x]);
    case 'binary':
      return b.binary(n.op, fwd[n.a], fwd[n.b]);
    case 'where':
      return b.where(fwd[n.cond], fwd[n.a], fwd[n.b]);
    case 'cast':
      return b.cast(fwd[n.x], n.dtype);
  }
}
