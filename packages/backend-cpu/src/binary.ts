import type { BinaryOp, View } from '@layers/core';
import { dataOf } from './buffers.js';
import { floorDivideF, floorDivideI, maximum, minimum, powF, powI, remainderF, remainderI } from './math.js';
import { forEachRow } from './strided.js';

type Scalar2 = (a: number, b: number) => number;

// Logical ops test `!= 0` explicitly: NaN is truthy in torch but falsy in JS.
const SHARED: Record<BinaryOp, Scalar2> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: powF,
  maximum,
  minimum,
  atan2: Math.atan2,
  remainder: remainderF,
  floorDivide: floorDivideF,
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  logicalAnd: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
  logicalOr: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
  logicalXor: (a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0),
};

/** int32 arithmetic wraps like C int32: sums wrap on the Int32Array store, products via imul. */
const INT_OVERRIDES: Partial<Record<BinaryOp, Scalar2>> = {
  mul: Math.imul,
  pow: powI,
  remainder: remainderI,
  floorDivide: floorDivideI,
};

/** Ops whose result is already 0/1. */
const COMPARE = { eq: 1, ne: 1, lt: 1, le: 1, gt: 1, ge: 1, logicalAnd: 1, logicalOr: 1, logicalXor: 1 };

function scalarFor(op: BinaryOp, dtype: View['dtype'], outDtype: View['dtype']): Scalar2 {
  let f = SHARED[op];
  if (f === undefined) throw new TypeError(`cpu: unknown binary op '${op}'`);
  if (dtype !== 'float32') f = INT_OVERRIDES[op] ?? f;
  if (outDtype === 'bool' && !(op in COMPARE)) {
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
