import { type BinaryOp, expr, type View } from '@layers/core';
import { dataOf } from './buffers.js';

import { forEachRow } from './strided.js';

// The scalar semantics are core's one table; this file only adds the loops.
function scalarFor(op: BinaryOp, dtype: View['dtype'], outDtype: View['dtype']): expr.Scalar2 {
  let f = expr.binaryScalar(op, dtype);
  if (f === undefined) throw new TypeError(`cpu: unknown binary op '${op}'`);
  if (outDtype === 'bool' && !expr.COMPARISON_OPS.has(op)) {
    // bool arithmetic (e.g. add as logical or) must stay 0/1 in the Uint8Array.
    const g = f;
    f = (a, b) => (g(a, b) !== 0 ? 1 : 0);
  }
  return f;
}

export function binary(op: BinaryOp, a: View, b: View, out: View): void {
  const f = scalarFor(op, a.dtype, out.dtype);
  const ad = dataOf(a);
  const bd = dataOf(b);
  const od = dataOf(out);
  const floatOut = out.dtype === 'float32';
  forEachRow(
    out.shape,
    [out.strides, a.strides, b.strides],
    [out.offset, a.offset, b.offset],
    (n, offs, steps) => {
      let o = offs[0];
      let i = offs[1];
      let j = offs[2];
      const os = steps[0];
      const as = steps[1];
      const bs = steps[2];
      // Hot float paths get dedicated loops (a shared loop through `f` cannot be inlined).
      if (floatOut && os === 1) {
        if (op === 'add') {
          for (let e = 0; e < n; e++, i += as, j += bs) od[o + e] = ad[i] + bd[j];
          return;
        }
        if (op === 'sub') {
          for (let e = 0; e < n; e++, i += as, j += bs) od[o + e] = ad[i] - bd[j];
          return;
        }
        if (op === 'mul') {
          for (let e = 0; e < n; e++, i += as, j += bs) od[o + e] = ad[i] * bd[j];
          return;
        }
        if (op === 'div') {
          for (let e = 0; e < n; e++, i += as, j += bs) od[o + e] = ad[i] / bd[j];
          return;
        }
      }
      for (let e = 0; e < n; e++, o += os, i += as, j += bs) od[o] = f(ad[i], bd[j]);
    },
  );
}

/** out[i] = cond[i] ? a[i] : b[i]. */
export function where(cond: View, a: View, b: View, out: View): void {
  const cd = dataOf(cond);
  const ad = dataOf(a);
  const bd = dataOf(b);
  const od = dataOf(out);
  forEachRow(
    out.shape,
    [out.strides, cond.strides, a.strides, b.strides],
    [out.offset, cond.offset, a.offset, b.offset],
    (n, offs, steps) => {
      let o = offs[0];
      let c = offs[1];
      let i = offs[2];
      let j = offs[3];
      const [os, cs, as, bs] = steps;
      for (let e = 0; e < n; e++, o += os, c += cs, i += as, j += bs) od[o] = cd[c] !== 0 ? ad[i] : bd[j];
    },
  );
}
