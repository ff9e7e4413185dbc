/**
 * Seeded random expression programs for the expression behaviour group: every unary and
 * binary op of the contract on the dtypes it is defined for, `where`, casts between all
 * dtypes, constants (NaN, +-Infinity, -0 among them), params, broadcast inputs, several
 * outputs, in-place outputs aliasing an input, and final reductions. Same seed, same case.
 */
import * as L from '@layers/core';
import { Rng } from '../differential/rng.js';

type DType = L.DType;

/** One input of an {@link ExprCase}. */
export interface ExprCaseInput {
  /** Its dtype. */
  dtype: DType;
  /** Its own shape, broadcastable to the call shape. */
  shape: number[];
  /** Its values, row-major. */
  data: number[];
}

/** One generated call: the program, its input data and shapes, params and aliasing. */
export interface ExprCase {
  /** The program (nodes in order; outputs are its real outputs). */
  readonly program: L.ExprProgram;
  /** The call shape (the last dim is reduced when the program reduces). */
  readonly shape: number[];
  /** Per input: its dtype, its own shape (broadcastable to `shape`) and its values. */
  readonly inputs: ExprCaseInput[];
  /** The params of the call. */
  readonly params: number[];
  /** Per output: the input it writes in place, or -1. */
  readonly alias: number[];
}

const EDGE = [
  0,
  -0,
  1,
  -1,
  0.5,
  -2.5,
  3,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1e-30,
  7e30,
];
const FLOAT_UNARY = L.UNARY_OPS.filter((op) => op !== 'logicalNot');
const INT_UNARY: L.UnaryOp[] = ['neg', 'abs', 'sign', 'relu', 'logicalNot'];

function value(rng: Rng, dtype: DType): number {
  if (dtype === 'bool') return rng.chance(0.5) ? 1 : 0;
  if (dtype === 'int32')
    return rng.chance(0.1) ? rng.pick([0, -1, 2147483647, -2147483648]) : rng.int(-20, 20);
  if (rng.chance(0.12)) return rng.pick(EDGE);
  return Math.fround(rng.normal() * 3);
}

/** A shape broadcastable to `shape`: some dims set to 1, maybe fewer leading dims. */
function broadcastable(rng: Rng, shape: readonly number[]): number[] {
  if (rng.chance(0.5)) return [...shape];
  const drop = rng.int(0, shape.length);
  return shape.slice(drop).map((d) => (rng.chance(0.4) ? 1 : d));
}

function randomNode(rng: Rng, b: L.expr.ExprBuilder, pool: number[]): number {
  const pickOf = (dt: DType | null): number | null => {
    const ok = dt === null ? pool : pool.filter((id) => b.dtypeOf(id) === dt);
    return ok.length === 0 ? null : rng.pick(ok);
  };
  const x = rng.pick(pool);
  const dt = b.dtypeOf(x);
  const r = rng.next();
  if (r < 0.3) {
    if (dt === 'bool') return b.unary('logicalNot', x);
    return b.unary(rng.pick(dt === 'float32' ? FLOAT_UNARY : INT_UNARY), x);
  }
  if (r < 0.7) {
    const other = pickOf(dt) ?? b.const(value(rng, dt), dt);
    let ops = L.BINARY_OPS.filter((op) => dt === 'float32' || (op !== 'div' && op !== 'atan2'));
    // On bool operands only comparisons and logical ops are defined.
    if (dt === 'bool') ops = ops.filter((op) => L.expr.COMPARISON_OPS.has(op));
    // int32 remainder/floorDivide by zero is rejected by core before any kernel: keep them float.
    if (dt !== 'float32') ops = ops.filter((op) => op !== 'remainder' && op !== 'floorDivide');
    const [a, c] = rng.chance(0.5) ? [x, other] : [other, x];
    return b.binary(rng.pick(ops), a, c);
  }
  if (r < 0.85) {
    const cond = pickOf('bool') ?? b.binary('gt', x, b.const(0, dt));
    const other = pickOf(dt) ?? b.const(value(rng, dt), dt);
    return b.where(cond, x, other);
  }
  const to = rng.pick<DType>(['float32', 'int32', 'bool'].filter((d) => d !== dt) as DType[]);
  return b.cast(x, to);
}

/** The `seed`-th random case. `maxBuffers` bounds inputs + outputs (a device's binding limit). */
export function randomCase(seed: number, maxBuffers = 8): ExprCase {
  const rng = new Rng(seed * 7919 + 17);
  const reduce = rng.chance(0.25) ? rng.pick(L.expr.EXPR_REDUCE_OPS) : undefined;
  const rank = rng.int(reduce ? 1 : 0, 3);
  const shape = Array.from({ length: rank }, () => rng.int(1, 5));
  const b = new L.expr.ExprBuilder(`random${seed}`);
  const nIn = rng.int(1, 3);
  const inputs: ExprCase['inputs'] = [];
  const pool: number[] = [];
  for (let i = 0; i < nIn; i++) {
    const dtype = rng.pick<DType>(['float32', 'float32', 'int32', 'bool']);
    const s = i === 0 ? [...shape] : broadcastable(rng, shape);
    const size = s.reduce((a, c) => a * c, 1);
    inputs.push({ dtype, shape: s, data: Array.from({ length: size }, () => value(rng, dtype)) });
    pool.push(b.load(i, dtype));
  }
  const params: number[] = [];
  if (rng.chance(0.6)) {
    params.push(Math.fround(rng.normal()));
    pool.push(b.param(0, 'float32'));
  }
  if (rng.chance(0.4)) pool.push(b.const(rng.pick(EDGE), 'float32'));
  const steps = rng.int(2, 9);
  for (let s = 0; s < steps; s++) pool.push(randomNode(rng, b, pool));
  // The last node is always an output; up to two more from the rest.
  const nOut = Math.min(rng.int(1, 3), maxBuffers - nIn);
  const outputs = [pool[pool.length - 1]];
  while (outputs.length < nOut) {
    const o = rng.pick(pool);
    if (!outputs.includes(o)) outputs.push(o);
    else break;
  }
  let outs = outputs;
  if (reduce) outs = outputs.map((o) => (b.dtypeOf(o) === 'bool' ? b.cast(o, 'float32') : o));
  const program = b.build(outs, reduce ? { reduce } : {});
  // In place: an output onto an input of the full shape and the output's dtype.
  const alias = outs.map(() => -1);
  if (!reduce && rng.chance(0.4)) {
    const used = new Set<number>();
    outs.forEach((o, j) => {
      const dt = program.nodes[o].dtype;
      const i = inputs.findIndex(
        (inp, k) => !used.has(k) && inp.dtype === dt && inp.shape.join() === shape.join(),
      );
      if (i >= 0 && rng.chance(0.7)) {
        alias[j] = i;
        used.add(i);
      }
    });
  }
  return { program, shape, inputs, params, alias };
}
