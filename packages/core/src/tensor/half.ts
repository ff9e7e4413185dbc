/**
 * float16 and bfloat16 as 16-bit patterns. JavaScript (Node 20) has no 16-bit float type, so
 * every backend stores these dtypes as raw bits (a `Uint16Array` on the host) and converts in
 * its `copy` kernel with these functions; readback gives the bits (`t.data()`), and
 * `toArray()`/`item()` give the numbers.
 *
 * The rounding is PyTorch's (c10/util/Half.h, BFloat16.h): float32 to 16 bits rounds to
 * nearest, ties to even; overflow gives ±Infinity (float16 from |x| >= 65520); subnormals are
 * exact. NaN becomes the canonical quiet NaN: float16 keeps the sign (0x7e00 / 0xfe00), bfloat16
 * drops it (0x7fc0), as c10 does. A JavaScript number (float64) is rounded to float32 first,
 * as `torch.tensor([x], dtype=torch.float16)` does (its C++ cast goes through float).
 */
import type { DType } from '../backend/contract.js';

/** Whether `dtype` is one of the 16-bit float dtypes (stored as bits). */
export function isHalf(dtype: DType): dtype is 'float16' | 'bfloat16' {
  return dtype === 'float16' || dtype === 'bfloat16';
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bit pattern nearest to `x` (rounded to float32 first, then to nearest even). */
export function toFloat16Bits(x: number): number {
  f32[0] = x;
  return float16FromF32Bits(u32[0]);
}

/** The bfloat16 bit pattern nearest to `x` (rounded to float32 first, then to nearest even). */
export function toBFloat16Bits(x: number): number {
  f32[0] = x;
  const u = u32[0];
  if ((u & 0x7fffffff) > 0x7f800000) return 0x7fc0;
  // Adding 0x7fff plus the lowest kept bit rounds half to even; a carry into the exponent
  // gives the next binade, or Infinity above the largest finite bfloat16.
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** float32 bits to float16 bits, round to nearest even (the integer path copy kernels use). */
function float16FromF32Bits(u: number): number {
  const sign = (u >>> 16) & 0x8000;
  const a = u & 0x7fffffff;
  if (a > 0x7f800000) return sign | 0x7e00;
  // 65520 (0x477ff000) is halfway between 65504, the largest float16, and 65536: its tie
  // goes to the even neighbour, which is Infinity.
  if (a >= 0x477ff000) return sign | 0x7c00;
  if (a < 0x38800000) {
    // Below 2^-14 the result is subnormal: m * 2^-24. Scaling by 2^24 is exact in float64,
    // so rounding that product to an integer, ties to even, is the exact answer (m = 1024
    // is the smallest normal, which the bit layout gives for free).
    f32[0] = 0;
    u32[0] = a;
    return sign | roundHalfEven(f32[0] * 16777216);
  }
  const mant = a & 0x7fffff;
  let bits = ((((a >>> 23) - 112) << 10) | (mant >>> 13)) >>> 0;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (bits & 1) === 1)) bits++;
  return sign | bits;
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

let f16Table: Float32Array | null = null;

/** The value of float16 bits `h` (exact; NaN for NaN patterns). */
export function fromFloat16Bits(h: number): number {
  f16Table ??= buildF16Table();
  return f16Table[h & 0xffff];
}

/** The value of bfloat16 bits `h` (exact: the upper half of a float32). */
export function fromBFloat16Bits(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0];
}

function buildF16Table(): Float32Array {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >>> 10) & 0x1f;
    const m = h & 0x3ff;
    if (e === 0) t[h] = s * m * 2 ** -24;
    else if (e === 31) t[h] = m ? Number.NaN : s * Number.POSITIVE_INFINITY;
    else t[h] = s * (1024 + m) * 2 ** (e - 25);
  }
  return t;
}

/**
 * Encode numbers as 16-bit patterns of `dtype` into `out` (allocated when omitted). Used by
 * backends' copy kernels and by `tensor(data, { dtype: 'float16' })`.
 */
export function encodeHalf(
  dtype: 'float16' | 'bfloat16',
  src: ArrayLike<number>,
  out = new Uint16Array(src.length),
): Uint16Array {
  const enc = dtype === 'float16' ? toFloat16Bits : toBFloat16Bits;
  for (let i = 0; i < src.length; i++) out[i] = enc(src[i]);
  return out;
}

/** Decode 16-bit patterns of `dtype` to their float32 values (exact). */
export function decodeHalf(dtype: 'float16' | 'bfloat16', bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  if (dtype === 'bfloat16') {
    const w = new Uint32Array(out.buffer);
    for (let i = 0; i < bits.length; i++) w[i] = (bits[i] & 0xffff) << 16;
    return out;
  }
  f16Table ??= buildF16Table();
  for (let i = 0; i < bits.length; i++) out[i] = f16Table[bits[i] & 0xffff];
  return out;
}

/**
 * A converter from an element of a `from` buffer to an element of a `to` buffer, where either
 * side may hold 16-bit patterns; for a backend's strided `copy`. float to int truncates and
 * anything to bool is `!= 0`, as for the other dtypes. Returns null when neither side is half.
 */
export function halfConverter(from: DType, to: DType): ((v: number) => number) | null {
  if (!isHalf(from) && !isHalf(to)) return null;
  if (from === to) return (v) => v;
  const dec = from === 'float16' ? fromFloat16Bits : from === 'bfloat16' ? fromBFloat16Bits : null;
  const enc = to === 'float16' ? toFloat16Bits : to === 'bfloat16' ? toBFloat16Bits : null;
  if (dec && enc) return (v) => enc(dec(v));
  if (enc) return from === 'bool' ? (v) => enc(v !== 0 ? 1 : 0) : enc;
  const d = dec as (v: number) => number;
  if (to === 'bool') return (v) => (d(v) !== 0 ? 1 : 0);
  if (to === 'int32') return (v) => Math.trunc(d(v)) | 0;
  return d;
}
