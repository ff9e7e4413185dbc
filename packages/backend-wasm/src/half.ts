/**
 * float16/bfloat16 storage on the wasm backend. AssemblyScript has no 16-bit float type, and
 * core hands 16-bit views only to `copy` and `fill` (every other kernel gets float32
 * temporaries, see core's backend/compute.ts), so the conversion runs here, in JavaScript
 * over the shared linear memory, with core's round-to-nearest-even converters. Kernels are
 * synchronous, so no worker touches the memory meanwhile.
 */
import { type DType, halfConverter, toBFloat16Bits, toFloat16Bits, type View } from '@layers/core';
import { coalesce } from './strided.js';

type Memory = ArrayBufferLike;

/** A typed array over the memory starting at byte `addr`, of `dtype`'s storage type. */
function typedAt(
  buf: Memory,
  dtype: DType,
  addr: number,
): Float32Array | Int32Array | Uint8Array | Uint16Array {
  if (dtype === 'float32') return new Float32Array(buf, addr);
  if (dtype === 'int32') return new Int32Array(buf, addr);
  if (dtype === 'bool') return new Uint8Array(buf, addr);
  return new Uint16Array(buf, addr);
}

/** Visit every element of `shape` for two operands (element strides), calling fn(outIdx, xIdx). */
function forEach2(
  shape: readonly number[],
  sOut: readonly number[],
  sX: readonly number[],
  fn: (o: number, i: number) => void,
): void {
  for (const n of shape) if (n === 0) return;
  const c = coalesce(shape, [sOut, sX]);
  const rank = c.shape.length;
  const [so, sx] = c.strides;
  const idx = new Array<number>(rank).fill(0);
  let o = 0;
  let i = 0;
  const inner = c.shape[rank - 1];
  const os = so[rank - 1];
  const xs = sx[rank - 1];
  for (;;) {
    for (let e = 0; e < inner; e++) fn(o + e * os, i + e * xs);
    let d = rank - 2;
    for (; d >= 0; d--) {
      idx[d]++;
      o += so[d];
      i += sx[d];
      if (idx[d] < c.shape[d]) break;
      o -= so[d] * c.shape[d];
      i -= sx[d] * c.shape[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

/**
 * Strided copy where either side is float16/bfloat16 (`xAddr`, `outAddr`: byte addresses of
 * each view's first element). Returns false when neither is, for the wasm kernel to run.
 */
export function copyHalf(buf: Memory, x: View, xAddr: number, out: View, outAddr: number): boolean {
  const conv = halfConverter(x.dtype, out.dtype);
  if (!conv) return false;
  const src = typedAt(buf, x.dtype, xAddr);
  const dst = typedAt(buf, out.dtype, outAddr);
  forEach2(out.shape, out.strides, x.strides, (o, i) => {
    dst[o] = conv(src[i]);
  });
  return true;
}

/** Fill a float16/bfloat16 view with `value` rounded to nearest even. */
export function fillHalf(buf: Memory, out: View, outAddr: number, value: number): void {
  const bits = out.dtype === 'float16' ? toFloat16Bits(value) : toBFloat16Bits(value);
  const dst = new Uint16Array(buf, outAddr);
  forEach2(out.shape, out.strides, out.strides, (o) => {
    dst[o] = bits;
  });
}
