import { expr, type UnaryOp, type View } from '@layers/core';
import { dataOf } from './buffers.js';

import { forEachRow } from './strided.js';

export function unary(op: UnaryOp, x: View, out: View): void {
  // The scalar semantics are core's one table; this file only adds the loops.
  const f = expr.unaryScalar(op, x.dtype);
  if (f === undefined) throw new TypeError(`cpu: unary '${op}' is not defined for ${x.dtype}`);
  const xd = dataOf(x);
  const od = dataOf(out);
  forEachRow(out.shape, [out.strides, x.strides], [out.offset, x.offset], (n, offs, steps) => {
    let o = offs[0];
    let i = offs[1];
    const os = steps[0];
    const xs = steps[1];
    if (os === 1 && xs === 1) {
      // The common contiguous case: hot ops get their own loop so V8 can inline them.
      if (op === 'relu' && x.dtype === 'float32') {
        for (let e = 0; e < n; e++) {
          const v = xd[i + e];
          // biome-ignore lint/complexity/useMathMinMax: Math.max(-0, 0) is +0; relu keeps -0 (and NaN)
          od[o + e] = v < 0 ? 0 : v;
        }
      } else if (op === 'neg') {
        for (let e = 0; e < n; e++) od[o + e] = -xd[i + e];
      } else if (op === 'exp') {
        for (let e = 0; e < n; e++) od[o + e] = Math.exp(xd[i + e]);
      } else {
        for (let e = 0; e < n; e++) od[o + e] = f(xd[i + e]);
      }
      return;
    }
    for (let e = 0; e < n; e++, o += os, i += xs) od[o] = f(xd[i]);
  });
}
