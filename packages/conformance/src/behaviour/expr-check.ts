/**
 * How the expression group judges a backend: every node of a random program is checked
 * against core's scalar table on the operands the backend itself computed (so an error is
 * pinned to one op and cannot be amplified by the ops after it), with the op's tolerance
 * from the suite's table; then the real program (several outputs, in-place aliasing, a
 * reduction) is checked against the per-node values it must reproduce.
 */
import * as L from '@layers/core';
import type { Tolerance, ToleranceTable } from '../tolerances.js';
import type { ExprCase } from './expr-programs.js';

const EPS = 1.1920928955078125e-7;
/** Below float32's smallest normal a device may flush to zero (WGSL allows it). */
const FTZ = 1.1754943508222875e-38;
/**
 * Between two compilations of the same node on one backend (a code generator may contract
 * a*b+c into an FMA in one kernel and not in another): a few ulps of the value.
 */
const SAME_NODE: Tolerance = { atol: 1e-6, rtol: 1e-5 };
/** WGSL specifies sin/cos accuracy only on [-pi, pi]; arguments beyond 64 are not compared. */
const TRIG_RANGE = 64;

function close(actual: number, expected: number, tol: Tolerance): boolean {
  if (Number.isNaN(expected) || Number.isNaN(actual)) return Number.isNaN(expected) && Number.isNaN(actual);
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) return actual === expected;
  return Math.abs(actual - expected) <= Math.max(tol.atol, FTZ) + tol.rtol * Math.abs(expected);
}

function tolFor(table: ToleranceTable, n: L.ExprNode): Tolerance {
  if (n.dtype !== 'float32' || n.kind === 'where' || n.kind === 'cast') return { atol: 0, rtol: 0 };
  if (n.kind === 'unary' || n.kind === 'binary') return table[n.op]?.float32 ?? { atol: 1e-7, rtol: 4 * EPS };
  return { atol: 0, rtol: 0 };
}

/** Values the contract leaves open: float -> int32 of NaN, +-Infinity or out of range; trig far out. */
function unspecified(n: L.ExprNode, nodes: readonly L.ExprNode[], operand: (id: number) => number): boolean {
  if (n.kind === 'cast' && n.dtype === 'int32' && nodes[n.x].dtype === 'float32') {
    const x = operand(n.x);
    return !(Math.abs(x) < 2147483648);
  }
  if (n.kind === 'unary' && (n.op === 'sin' || n.op === 'cos' || n.op === 'tan')) {
    return !(Math.abs(operand(n.x)) <= TRIG_RANGE);
  }
  // x ** y with a huge result is a few ulps of a huge number; 0 ** negative is inf both ways.
  return false;
}

function describeNode(n: L.ExprNode): string {
  if (n.kind === 'unary' || n.kind === 'binary') return `${n.kind} '${n.op}' (${n.dtype})`;
  return `${n.kind} (${n.dtype})`;
}

/**
 * Check node by node: `values[k][e]` is node k's value at element e as the backend computed
 * it. Returns the first failure's description, or null.
 */
export function checkNodes(
  c: ExprCase,
  values: readonly (readonly number[])[],
  table: ToleranceTable,
): string | null {
  const nodes = c.program.nodes;
  const size = values[0]?.length ?? 0;
  for (let k = 0; k < nodes.length; k++) {
    const n = nodes[k];
    if (n.kind === 'load') continue;
    const tol = tolFor(table, n);
    for (let e = 0; e < size; e++) {
      const v = (id: number) => values[id][e];
      if (unspecified(n, nodes, v)) continue;
      const expected = L.expr.nodeValue(n, nodes, v, () => Number.NaN, c.params);
      if (!close(values[k][e], expected, tol)) {
        const operands = (
          n.kind === 'unary' || n.kind === 'cast'
            ? [n.x]
            : n.kind === 'binary'
              ? [n.a, n.b]
              : n.kind === 'where'
                ? [n.cond, n.a, n.b]
                : []
        )
          .map((id) => String(values[id][e]))
          .join(', ');
        return `node ${k} ${describeNode(n)} at element ${e}: operands (${operands}) gave ${values[k][e]}, the scalar table gives ${expected} (tolerance atol ${tol.atol}, rtol ${tol.rtol})`;
      }
    }
  }
  return null;
}

/** Reduce `terms` as `Kernels.reduce` does, with the error bound of float32 accumulation. */
function reduceRef(
  op: L.expr.ExprReduceOp,
  dtype: L.DType,
  terms: readonly number[],
): { value: number; tol: Tolerance } {
  let acc = L.expr.REDUCE_IDENTITY[op];
  let mag = 0;
  for (const t of terms) {
    acc = L.expr.reduceStep(op, dtype, acc, t);
    mag += Math.abs(t);
  }
  const value = L.expr.roundTo(dtype, acc);
  if (dtype !== 'float32' || op === 'max' || op === 'min') return { value, tol: { atol: 0, rtol: 0 } };
  const n = Math.max(terms.length, 1);
  if (op === 'sum') return { value, tol: { atol: n * EPS * mag, rtol: EPS } };
  return { value, tol: { atol: 0, rtol: 2 * n * EPS } };
}

/**
 * Check the real program's outputs (`got[j]`, read after the run) against the per-node values
 * (`values`, over the elementwise call shape, rows of `inner` when reduced).
 */
export function checkOutputs(
  c: ExprCase,
  got: readonly (readonly number[])[],
  values: readonly (readonly number[])[],
): string | null {
  const p = c.program;
  for (let j = 0; j < p.outputs.length; j++) {
    const id = p.outputs[j];
    const dtype = p.nodes[id].dtype;
    const node = values[id];
    if (!p.reduce) {
      for (let e = 0; e < node.length; e++) {
        if (!close(got[j][e], node[e], dtype === 'float32' ? SAME_NODE : { atol: 0, rtol: 0 })) {
          return `output ${j}${c.alias[j] >= 0 ? ` (in place on input ${c.alias[j]})` : ''} element ${e}: ${got[j][e]}, node ${id} alone gives ${node[e]}`;
        }
      }
      continue;
    }
    const inner = c.shape[c.shape.length - 1];
    for (let r = 0; r < got[j].length; r++) {
      const { value, tol } = reduceRef(p.reduce.op, dtype, node.slice(r * inner, (r + 1) * inner));
      const t = { atol: tol.atol + SAME_NODE.atol * inner, rtol: tol.rtol + SAME_NODE.rtol };
      if (!close(got[j][r], value, dtype === 'float32' ? t : tol)) {
        return `output ${j} (${p.reduce.op} over ${inner}) row ${r}: ${got[j][r]}, the reduced node values give ${value}`;
      }
    }
  }
  return null;
}
