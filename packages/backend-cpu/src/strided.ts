/**
 * Strided iteration shared by every elementwise kernel.
 *
 * The shape is first coalesced (size-1 dims dropped, adjacent dims merged where every operand
 * is dense across them), so a contiguous or simply broadcast tensor becomes one long row and
 * the per-row callback runs once. Otherwise an N-d odometer walks the outer dims and hands the
 * callback one inner row at a time, so kernels keep a tight `for` loop over the last dim.
 */

import { expr } from '@layers/core';

const { coalesce } = expr;

/** Called once per inner row: `n` elements, operand j starts at offs[j] and steps by steps[j]. */
export type RowFn = (n: number, offs: readonly number[], steps: readonly number[]) => void;

/**
 * Visit every element of `shape` for k operands with the given strides and offsets, one
 * inner row per callback. Nothing is called for an empty shape; a scalar is one row of 1.
 */
export function forEachRow(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  offsets: readonly number[],
  fn: RowFn,
): void {
  for (const n of shape) if (n === 0) return;
  const k = strides.length;
  const { shape: sh, strides: st } = coalesce(shape, strides);
  const rank = sh.length;
  const offs = offsets.slice();
  if (rank === 0) {
    fn(
      1,
      offs,
      offs.map(() => 0),
    );
    return;
  }
  const inner = sh[rank - 1];
  const steps = st.map((s) => s[rank - 1]);
  if (rank === 1) {
    fn(inner, offs, steps);
    return;
  }
  const outerRank = rank - 1;
  const idx = new Array<number>(outerRank).fill(0);
  let rows = 1;
  for (let d = 0; d < outerRank; d++) rows *= sh[d];
  for (let r = 0; r < rows; r++) {
    fn(inner, offs, steps);
    // Odometer increment of the outer index, keeping every operand's offset in step.
    for (let d = outerRank - 1; d >= 0; d--) {
      idx[d]++;
      if (idx[d] < sh[d]) {
        for (let j = 0; j < k; j++) offs[j] += st[j][d];
        break;
      }
      idx[d] = 0;
      for (let j = 0; j < k; j++) offs[j] -= st[j][d] * (sh[d] - 1);
    }
  }
}
