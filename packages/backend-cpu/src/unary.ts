import type { UnaryOp, View } from '@layers/core';
import { dataOf } from './buffers.js';
import { erf, roundHalfEven, sigmoid, sign } from './math.js';
import { forEachRow } from './strided.js';

type Scalar = (x: number) => number;

const FLOAT_OPS: Record<UnaryOp, Scalar> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign,
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  reciprocal: (x) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  tanh: Math.tanh,
  sigmoid,
  erf,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  // torch.relu is clamp_min(x, 0): x unless x < 0, so NaN and -0 pass through.
  // biome-ignore lint/complexity/useMathMinMax: Math.max(-0, 0) is +0; relu keeps -0 (and NaN)
  relu: (x) => (x < 0 ? 0 : x),
  logicalNot: (x) => (x === 0 ? 1 : 0),
  isnan: (x) => (Number.isNaN(x) ? 1 : 0),
};

/** int32 variants: results are stored through Int32Array, which wraps (-INT_MIN == INT_MIN). */
const INT_OPS: Partial<Record<UnaryOp, Scalar>> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign,
  relu: (x) => Math.max(x, 0),
  logicalNot: (x) => (x === 0 ? 1 : 0),
  isnan: () => 0,
  floor: (x) => x,
  ceil: (x) => x,
  round: (x) => x,
};

export function unary(op: UnaryOp, x: View, out: View): void {
  const table = x.dtype === 'float32' ? FLOAT_OPS : INT_OPS;
  const f = table[op];
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
