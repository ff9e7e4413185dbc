/**
 * The expression group: core's scalar expression IR run through the backend's
 * `fused.expression` (where it has one) and through core's required-kernel fallback (the
 * kernel hidden), both judged against core's one scalar table: IEEE edge values with their
 * mathematically exact results, then seeded random programs over every op, `where`, casts,
 * params, broadcasts, several outputs, in-place outputs and reductions. The report records
 * which path ran (`expression` under fused or fallback).
 */
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import type { ToleranceTable } from '../tolerances.js';
import { check, type SuiteContext, withoutFused } from './context.js';
import { checkNodes, checkOutputs } from './expr-check.js';
import { type ExprCase, randomCase } from './expr-programs.js';

const SEEDS = 80;
/** At most this many views in one call: WebGPU's default storage-buffer limit per stage. */
const MAX_BUFFERS = 8;

const NaN_ = Number.NaN;
const INF = Number.POSITIVE_INFINITY;

/** [op, operands, exact result] from IEEE 754 and the ops' definitions (PyTorch's choices noted). */
const UNARY_EDGES: [L.UnaryOp, number[], number[]][] = [
  ['neg', [0, -0, INF, NaN_], [-0, 0, -INF, NaN_]],
  ['abs', [-0, -INF, NaN_], [0, INF, NaN_]],
  // torch.sign: (0 < x) - (x < 0), so NaN gives 0 and -0 gives 0.
  ['sign', [-3, 0, -0, INF, NaN_], [-1, 0, 0, 1, 0]],
  ['exp', [0, -INF, INF, NaN_], [1, 0, INF, NaN_]],
  ['expm1', [-0, -INF, INF], [-0, -1, INF]],
  ['log', [0, -0, 1, -1, INF], [-INF, -INF, 0, NaN_, INF]],
  ['log1p', [-0, -1, -2, INF], [-0, -INF, NaN_, INF]],
  ['sqrt', [-0, 4, -1, INF], [-0, 2, NaN_, INF]],
  ['rsqrt', [0, -0, 4, -1, INF], [INF, -INF, 0.5, NaN_, 0]],
  ['reciprocal', [0, -0, INF, -4], [INF, -INF, 0, -0.25]],
  ['sin', [-0, INF], [-0, NaN_]],
  ['cos', [0, -INF], [1, NaN_]],
  ['tan', [-0], [-0]],
  ['tanh', [-0, INF, -INF, NaN_], [-0, 1, -1, NaN_]],
  ['sigmoid', [0, INF, -INF, NaN_], [0.5, 1, 0, NaN_]],
  ['erf', [-0, INF, -INF, NaN_], [-0, 1, -1, NaN_]],
  ['floor', [-0.5, -0, 2.5, INF], [-1, -0, 2, INF]],
  ['ceil', [-0.5, 0.5, -INF], [-0, 1, -INF]],
  // Round half to even (torch.round), and the sign of a zero result kept.
  ['round', [0.5, 1.5, 2.5, -0.5, -2.5], [0, 2, 2, -0, -2]],
  // clamp_min(x, 0): -0 and NaN pass through.
  ['relu', [-0, -1, NaN_, INF], [-0, 0, NaN_, INF]],
  ['isnan', [NaN_, INF, 0], [1, 0, 0]],
];

const BINARY_EDGES: [L.BinaryOp, number[], number[], number[]][] = [
  ['add', [-0, -0, INF], [-0, 0, -INF], [-0, 0, NaN_]],
  ['mul', [-0, 0, INF], [5, INF, -1], [-0, NaN_, -INF]],
  ['div', [1, -1, 0, INF], [0, 0, 0, INF], [INF, -INF, NaN_, NaN_]],
  // C pow, as torch: pow(1, NaN) = 1, pow(-1, inf) = 1, pow(x, 0) = 1.
  ['pow', [1, -1, NaN_, 0, -8], [NaN_, INF, 0, -1, 1 / 3], [1, 1, 1, INF, NaN_]],
  // NaN propagates; the sign of max(-0, +0) is left open (torch's CPU kernels are not symmetric).
  ['maximum', [NaN_, 1, 2], [1, NaN_, -INF], [NaN_, NaN_, 2]],
  ['minimum', [NaN_, 1, 2], [1, NaN_, -INF], [NaN_, NaN_, -INF]],
  ['atan2', [0, -0, 1], [-1, -1, 0], [Math.fround(Math.PI), Math.fround(-Math.PI), Math.fround(Math.PI / 2)]],
  // Python's remainder: the result takes the divisor's sign.
  ['remainder', [-1, 1, 5, INF], [3, -3, 0, 2], [2, -2, NaN_, NaN_]],
  ['floorDivide', [-7, 7, 1, -0], [2, -2, 0, 3], [-4, -4, INF, -0]],
  ['eq', [NaN_, -0], [NaN_, 0], [0, 1]],
  ['ne', [NaN_], [NaN_], [1]],
  ['lt', [NaN_, -INF], [1, INF], [0, 1]],
  ['ge', [NaN_, 0], [NaN_, -0], [0, 1]],
  // NaN is truthy (`!= 0`), as in torch.
  ['logicalAnd', [NaN_, 0], [1, NaN_], [1, 0]],
  ['logicalOr', [NaN_, 0], [0, -0], [1, 0]],
  ['logicalXor', [NaN_, 2], [0, 3], [1, 0]],
];

function same(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

async function runOnce(
  c: ExprCase,
  program: L.ExprProgram,
  alias: readonly number[],
  shape: number[],
): Promise<number[][]> {
  const inputs = c.inputs.map((inp) =>
    L.tensor(inp.data, { dtype: inp.dtype }).reshape(inp.shape.length === 0 ? [] : inp.shape),
  );
  try {
    const into = alias.map((i) => (i >= 0 ? inputs[i] : null));
    const outs = L.expr.runExpression(program, inputs, { params: c.params, shape, into });
    const res = await Promise.all(outs.map(async (t) => Array.from(await t.data(), Number)));
    for (const t of outs) if (!inputs.includes(t)) t.dispose();
    return res;
  } finally {
    for (const t of inputs) t.dispose();
  }
}

/** Every node's value over the elementwise call shape, in runs of few outputs each. */
async function nodeValues(c: ExprCase): Promise<number[][]> {
  const p = c.program;
  const per = MAX_BUFFERS - p.inputCount;
  const values: number[][] = [];
  for (let k0 = 0; k0 < p.nodes.length; k0 += per) {
    const outputs = p.nodes.slice(k0, k0 + per).map((_, i) => k0 + i);
    const { reduce: _r, ...rest } = p;
    const key = L.expr.programKey(p.nodes, outputs, p.inputCount, p.paramCount, undefined);
    const part: L.ExprProgram = { ...rest, outputs, key, name: `${p.name}:nodes` };
    values.push(
      ...(await runOnce(
        c,
        part,
        outputs.map(() => -1),
        c.shape,
      )),
    );
  }
  return values;
}

async function checkCase(c: ExprCase, table: ToleranceTable): Promise<void> {
  const values = await nodeValues(c);
  const nodeErr = checkNodes(c, values, table);
  if (nodeErr) throw new Error(`${c.program.name} ${c.program.key}: ${nodeErr}`);
  const got = await runOnce(c, c.program, c.alias, c.shape);
  const outErr = checkOutputs(c, got, values);
  if (outErr) throw new Error(`${c.program.name} ${c.program.key}: ${outErr}`);
}

async function edgeCases(): Promise<void> {
  for (const [op, xs, want] of UNARY_EDGES) {
    const b = new L.expr.ExprBuilder(`edge:${op}`);
    const p = b.build([b.unary(op, b.load(0))]);
    const [out] = L.expr.runExpression(p, [L.tensor(xs)]);
    const got = Array.from(await out.data(), Number);
    xs.forEach((x, i) => {
      const table = L.expr.roundTo('float32', (L.expr.unaryScalar(op, 'float32') as L.expr.Scalar1)(x));
      if (!same(table, want[i])) throw new Error(`scalar table: ${op}(${x}) = ${table}, expected ${want[i]}`);
      if (!same(got[i], want[i])) throw new Error(`expression ${op}(${x}) = ${got[i]}, expected ${want[i]}`);
    });
  }
  for (const [op, as, bs, want] of BINARY_EDGES) {
    const b = new L.expr.ExprBuilder(`edge:${op}`);
    const p = b.build([b.binary(op, b.load(0), b.load(1))]);
    const [out] = L.expr.runExpression(p, [L.tensor(as), L.tensor(bs)]);
    const got = Array.from(await out.data(), Number);
    as.forEach((a, i) => {
      const table = L.expr.roundTo(
        L.expr.binaryResultDType(op, 'float32'),
        L.expr.binaryScalar(op, 'float32')(a, bs[i]),
      );
      if (!same(table, want[i]))
        throw new Error(`scalar table: ${op}(${a}, ${bs[i]}) = ${table}, expected ${want[i]}`);
      if (!same(got[i], want[i]))
        throw new Error(`expression ${op}(${a}, ${bs[i]}) = ${got[i]}, expected ${want[i]}`);
    });
  }
}

/** Run `fn` on the backend's kernel, checking through pathLog that it (or, without one, the fallback) ran. */
async function onKernel(backend: L.Backend, fn: () => Promise<void>): Promise<void> {
  L.pathLog.reset();
  await fn();
  const has = backend.fused.expression !== undefined;
  expect(has ? L.pathLog.fused() : L.pathLog.fallback()).toContain('expression');
}

/** Run `fn` with the kernel hidden (core's fallback), or not at all when there is no kernel to hide. */
async function onFallback(backend: L.Backend, fn: () => Promise<void>): Promise<void> {
  L.pathLog.reset();
  const ran = await withoutFused(backend, 'expression', fn);
  if (ran) expect(L.pathLog.fallback()).toContain('expression');
}

export function expressionBehaviour(ctx: SuiteContext, table: ToleranceTable): void {
  describe('expression', () => {
    check(ctx, 'expression', 'IEEE edge values, backend kernel', () => onKernel(ctx.backend(), edgeCases));
    check(ctx, 'expression', 'IEEE edge values, core fallback', () => onFallback(ctx.backend(), edgeCases));
    const random = async () => {
      for (let s = 0; s < SEEDS; s++) await checkCase(randomCase(s, MAX_BUFFERS), table);
    };
    check(
      ctx,
      'expression',
      `${SEEDS} random programs, backend kernel`,
      () => onKernel(ctx.backend(), random),
      120_000,
    );
    check(
      ctx,
      'expression',
      `${SEEDS} random programs, core fallback`,
      () => onFallback(ctx.backend(), random),
      120_000,
    );
  });
}
