/**
 * float16/bfloat16 storage: two 16-bit patterns packed in each u32 word (element i in the
 * low half of word i/2 when i is even, the high half when odd), so 16-bit tensors take half
 * the memory. Core hands 16-bit views only to `copy` and `fill` (every other kernel gets
 * float32 temporaries: core's backend/compute.ts), so conversion lives here, except for the
 * kernels the backend lists in `float16Kernels` on a device with `shader-f16`: that packing is
 * exactly WGSL's `array<f16>` layout, so those kernels bind the same buffers as `array<f16>`
 * and convert with `f32()`/`f16()` ({@link Storage}).
 *
 * The conversions are integer code, not `pack2x16float`/`unpack2x16float`: WGSL leaves their
 * NaN, infinity and subnormal results to the implementation, and float32 to float16 must
 * round to nearest even exactly as core's `toFloat16Bits` does. Two threads may write the two
 * halves of one word (a strided output), so 16-bit stores are an atomicAnd clearing the
 * element's half then an atomicOr setting it: each touches only its own 16 bits.
 */
import type { DType } from '@layers/core';
import { shader } from './elementwise.js';

/** Whether `dtype` is stored packed, two elements per word. */
export function isPacked(dtype: DType): boolean {
  return dtype === 'float16' || dtype === 'bfloat16';
}

/** u32 words a buffer of `size` elements of `dtype` takes. */
export function wordsFor(dtype: DType, size: number): number {
  return isPacked(dtype) ? Math.ceil(size / 2) : size;
}

const CONVERT = `
// float16 bits -> float32 bits (exact; NaN payload kept, subnormals normalised).
fn f16ToF32Bits(h: u32) -> u32 {
  let s = (h & 0x8000u) << 16u;
  let e = (h >> 10u) & 0x1fu;
  let m = h & 0x3ffu;
  if (e == 31u) { return s | 0x7f800000u | (m << 13u); }
  if (e != 0u) { return s | ((e + 112u) << 23u) | (m << 13u); }
  if (m == 0u) { return s; }
  let p = 31u - countLeadingZeros(m);
  return s | ((p + 103u) << 23u) | ((m << (23u - p)) & 0x7fffffu);
}
// float32 bits -> float16 bits, round to nearest even (core's toFloat16Bits).
fn f32BitsToF16(u: u32) -> u32 {
  let sign = (u >> 16u) & 0x8000u;
  let a = u & 0x7fffffffu;
  if (a > 0x7f800000u) { return sign | 0x7e00u; }
  if (a >= 0x477ff000u) { return sign | 0x7c00u; }
  let e = a >> 23u;
  if (a < 0x38800000u) {
    // Subnormal result: (1.mant) * 2^(e-127) / 2^-24 = mant24 >> (126 - e), rounded.
    if (e < 102u) { return sign; }
    let mant = (a & 0x7fffffu) | 0x800000u;
    let sh = 126u - e;
    var m = mant >> sh;
    let rest = mant & ((1u << sh) - 1u);
    let halfway = 1u << (sh - 1u);
    if (rest > halfway || (rest == halfway && (m & 1u) == 1u)) { m = m + 1u; }
    return sign | m;
  }
  var bits = ((e - 112u) << 10u) | ((a & 0x7fffffu) >> 13u);
  let rest = a & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (bits & 1u) == 1u)) { bits = bits + 1u; }
  return sign | bits;
}
fn bf16ToF32Bits(h: u32) -> u32 { return h << 16u; }
fn f32BitsToBf16(u: u32) -> u32 {
  if ((u & 0x7fffffffu) > 0x7f800000u) { return 0x7fc0u; }
  return ((u + 0x7fffu + ((u >> 16u) & 1u)) >> 16u) & 0xffffu;
}
`;

/** WGSL giving float32 bits (u32) `f` from input value `raw` of `dtype` (a u32 word expression). */
function toF32Bits(dtype: DType, raw: string): string {
  switch (dtype) {
    case 'float16':
      return `f16ToF32Bits(${raw})`;
    case 'bfloat16':
      return `bf16ToF32Bits(${raw})`;
    case 'float32':
      return raw;
    case 'int32':
      return `bitcast<u32>(f32(bitcast<i32>(${raw})))`;
    default:
      return `bitcast<u32>(f32(${raw}))`;
  }
}

/** WGSL storing the output word from float32 bits `f` (u32), for a non-packed output dtype. */
function fromF32Bits(dtype: DType, f: string): string {
  if (dtype === 'float32') return f;
  // Any non-zero, NaN included, is true (by bits, as the other copy kernels).
  if (dtype === 'bool') return `select(0u, 1u, (${f} & 0x7fffffffu) != 0u)`;
  // WGSL float->int truncates toward zero and saturates.
  return `bitcast<u32>(i32(bitcast<f32>(${f})))`;
}

function encode16(dtype: DType, f: string): string {
  return dtype === 'float16' ? `f32BitsToF16(${f})` : `f32BitsToBf16(${f})`;
}

/**
 * Strided copy where `from` or `to` is packed. `indexCode` defines idx0 (output element) and
 * idx1 (input element) from `i`, as the other elementwise kernels.
 */
export function halfCopyShader(from: DType, to: DType, indexCode: string): string {
  const load = isPacked(from) ? '(I0[idx1 >> 1u] >> ((idx1 & 1u) * 16u)) & 0xffffu' : 'I0[idx1]';
  const f = from === to ? null : toF32Bits(from, load);
  let store: string;
  if (isPacked(to)) {
    const bits = f === null ? load : encode16(to, 'f');
    store = `let bits = ${bits};\n  ${store16('bits')}`;
  } else {
    store = `O[idx0] = ${fromF32Bits(to, 'f')};`;
  }
  const out = isPacked(to) ? 'array<atomic<u32>>' : 'array<u32>';
  return shader(
    `@group(0) @binding(1) var<storage, read_write> O: ${out};\n@group(0) @binding(2) var<storage, read> I0: array<u32>;`,
    `${indexCode}
  ${f === null ? '' : `let f = ${f};`}
  ${store}`,
    CONVERT,
  );
}

/** WGSL writing 16-bit `bits` into element idx0's half of its word, leaving the other half. */
function store16(bits: string): string {
  return `let sh = (idx0 & 1u) * 16u;
  atomicAnd(&O[idx0 >> 1u], ~(0xffffu << sh));
  atomicOr(&O[idx0 >> 1u], ${bits} << sh);`;
}

/** Fill a packed output with the 16-bit pattern in params word `wordAt`. */
export function halfFillShader(indexCode: string, wordAt: number): string {
  return shader(
    '@group(0) @binding(1) var<storage, read_write> O: array<atomic<u32>>;',
    `${indexCode}\n  ${store16(`P[${wordAt}]`)}`,
    '',
  );
}

/**
 * Storage element type of a kernel's float binding: 'f16' binds a float16 buffer as
 * `array<f16>` (needs the device feature `shader-f16`). Kernels compute in f32 either way:
 * loads widen exactly, stores round once to nearest even (WGSL's f32 to f16 conversion).
 */
export type Storage = 'f32' | 'f16';

/** The storage of a float view of `dtype` in a kernel with f16 variants ('f16' for float16). */
export function storageOf(dtype: DType): Storage {
  return dtype === 'float16' ? 'f16' : 'f32';
}

/** The dtype a float16 kernel computes in (float32); other dtypes unchanged. */
export function halfAsF32(dtype: DType): DType {
  return dtype === 'float16' ? 'float32' : dtype;
}

/** The `enable f16;` directive a shader with any f16 binding must start with. */
export function enableF16(...types: Storage[]): string {
  return types.includes('f16') ? 'enable f16;\n' : '';
}

/** WGSL of storage element `e` (of type `t`) as f32. */
export function loadF32(t: Storage, e: string): string {
  return t === 'f16' ? `f32(${e})` : e;
}

/** WGSL of f32 value `e` converted for a store into a `t` binding. */
export function storeAs(t: Storage, e: string): string {
  return t === 'f16' ? `f16(${e})` : e;
}
