import { halfConverter, isHalf, toBFloat16Bits, toFloat16Bits, type View } from '@layers/core';
import { dataOf } from './buffers.js';
import { forEachRow } from './strided.js';

/**
 * Strided copy with dtype conversion. float→int32 truncates toward zero (the Int32Array
 * store does ToInt32, which truncates and wraps); anything→bool is `!= 0` (NaN → 1).
 */
export function copy(x: View, out: View): void {
  const xd = dataOf(x);
  const od = dataOf(out);
  // float16/bfloat16 bits convert element by element (rounding to nearest even).
  const conv = x.dtype === out.dtype ? null : halfConverter(x.dtype, out.dtype);
  if (conv) {
    forEachRow(out.shape, [out.strides, x.strides], [out.offset, x.offset], (n, offs, steps) => {
      for (let e = 0, o = offs[0], i = offs[1]; e < n; e++, o += steps[0], i += steps[1]) od[o] = conv(xd[i]);
    });
    return;
  }
  const toBool = out.dtype === 'bool' && x.dtype !== 'bool';
  forEachRow(out.shape, [out.strides, x.strides], [out.offset, x.offset], (n, offs, steps) => {
    let o = offs[0];
    let i = offs[1];
    const os = steps[0];
    const xs = steps[1];
    if (toBool) {
      for (let e = 0; e < n; e++, o += os, i += xs) od[o] = xd[i] !== 0 ? 1 : 0;
    } else if (os === 1 && xs === 1 && (out.dtype === x.dtype || out.dtype === 'float32')) {
      // Same-representation or widening dense copy: one native set().
      od.set(xd.subarray(i, i + n), o);
    } else {
      for (let e = 0; e < n; e++, o += os, i += xs) od[o] = xd[i];
    }
  });
}

export function fill(out: View, value: number): void {
  const od = dataOf(out);
  const v =
    out.dtype === 'bool'
      ? value !== 0
        ? 1
        : 0
      : isHalf(out.dtype)
        ? (out.dtype === 'float16' ? toFloat16Bits : toBFloat16Bits)(value)
        : value;
  forEachRow(out.shape, [out.strides], [out.offset], (n, offs, steps) => {
    const s = steps[0];
    let o = offs[0];
    if (s === 1) od.fill(v, o, o + n);
    else for (let e = 0; e < n; e++, o += s) od[o] = v;
  });
}
