/**
 * Element types of stored tensors (safetensors files, PyTorch storages) and their exact
 * conversion to layers' dtypes: floats become float32 (float16 and bfloat16 exactly, since
 * every such value is a float32; float64 rounds) unless float16/bfloat16 are kept as such, integers become int32 where each value
 * fits (else an error naming the tensor and the value), bool stays bool.
 */
import type { DType, TypedArray } from '../../backend/contract.js';
import { contiguousStrides } from '../../tensor/shape.js';

/** @internal A stored element type (names follow safetensors', in lower case). */
export type StoredKind = 'f64' | 'f32' | 'f16' | 'bf16' | 'i64' | 'i32' | 'i16' | 'i8' | 'u8' | 'bool';

/** @internal Bytes per element. */
export const ITEM_BYTES: Record<StoredKind, number> = {
  f64: 8,
  f32: 4,
  f16: 2,
  bf16: 2,
  i64: 8,
  i32: 4,
  i16: 2,
  i8: 1,
  u8: 1,
  bool: 1,
};

/** @internal The layers dtype a stored kind loads as. */
export function loadedDType(kind: StoredKind): DType {
  if (kind === 'bool') return 'bool';
  return kind[0] === 'f' || kind === 'bf16' ? 'float32' : 'int32';
}

/** float16 bits -> number (exact). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const bf16Word = new DataView(new ArrayBuffer(4));
/** bfloat16 bits -> number: the upper half of a float32 (exact). */
function bf16ToFloat(h: number): number {
  bf16Word.setUint32(0, h << 16);
  return bf16Word.getFloat32(0);
}

type Reader = (dv: DataView, at: number, le: boolean) => number | bigint;
const READ: Record<StoredKind, Reader> = {
  f64: (dv, at, le) => dv.getFloat64(at, le),
  f32: (dv, at, le) => dv.getFloat32(at, le),
  f16: (dv, at, le) => halfToFloat(dv.getUint16(at, le)),
  bf16: (dv, at, le) => bf16ToFloat(dv.getUint16(at, le)),
  i64: (dv, at, le) => dv.getBigInt64(at, le),
  i32: (dv, at, le) => dv.getInt32(at, le),
  i16: (dv, at, le) => dv.getInt16(at, le),
  i8: (dv, at) => dv.getInt8(at),
  u8: (dv, at) => dv.getUint8(at),
  bool: (dv, at) => (dv.getUint8(at) ? 1 : 0),
};

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  const want = contiguousStrides(shape);
  return shape.every((d, i) => d === 1 || strides[i] === want[i]);
}

/** @internal Where a tensor's elements lie in a byte buffer. */
export interface StoredLayout {
  kind: StoredKind;
  shape: readonly number[];
  /** In elements; contiguous when omitted. */
  strides?: readonly number[];
  /** Byte position of element 0 of the storage within `dv`. */
  byteBase: number;
  /** Storage offset in elements. */
  offset?: number;
  littleEndian?: boolean;
  /** Keep float16/bfloat16 as those dtypes (their bits) instead of converting to float32. */
  keepHalf?: boolean;
}

/** @internal The dtype `decodeStored` gives a stored kind under `keepHalf`. */
export function decodedDType(kind: StoredKind, keepHalf = false): DType {
  if (keepHalf && kind === 'f16') return 'float16';
  if (keepHalf && kind === 'bf16') return 'bfloat16';
  return loadedDType(kind);
}

/**
 * @internal Gather a (possibly strided) stored tensor into a fresh contiguous typed array of
 * its layers dtype. `what` names the tensor in errors ("loadSafetensors: tensor \"w\"").
 * The caller has checked that every element lies inside `dv`.
 */
export function decodeStored(dv: DataView, layout: StoredLayout, what: string): TypedArray {
  const { kind, shape } = layout;
  const strides = layout.strides ?? contiguousStrides(shape);
  const le = layout.littleEndian ?? true;
  const size = ITEM_BYTES[kind];
  const n = shape.reduce((a, b) => a * b, 1);
  const dtype = decodedDType(kind, layout.keepHalf);
  const base = layout.byteBase + (layout.offset ?? 0) * size;
  if ((kind === 'f32' || kind === 'i32') && le === HOST_LITTLE_ENDIAN && isContiguous(shape, strides)) {
    // Same element type and byte order: one copy of the bytes (slice also aligns them).
    const start = dv.byteOffset + base;
    const bytes = dv.buffer.slice(start, start + n * size);
    return kind === 'f32' ? new Float32Array(bytes) : new Int32Array(bytes);
  }
  const half = dtype === 'float16' || dtype === 'bfloat16';
  const out = half
    ? new Uint16Array(n)
    : dtype === 'float32'
      ? new Float32Array(n)
      : dtype === 'int32'
        ? new Int32Array(n)
        : new Uint8Array(n);
  // 16-bit floats kept as such are copied as their bits.
  const read: Reader = half ? (v, at, l) => v.getUint16(at, l) : READ[kind];
  const ndim = shape.length;
  const index = new Array<number>(ndim).fill(0);
  let pos = 0; // element position in the storage, relative to the offset
  for (let i = 0; i < n; i++) {
    const v = read(dv, base + pos * size, le);
    if (typeof v === 'bigint') {
      if (v > 2147483647n || v < -2147483648n) {
        throw new RangeError(
          `${what} is int64 and element ${i} (${v}) does not fit in int32, layers' integer type (range -2147483648..2147483647)`,
        );
      }
      out[i] = Number(v);
    } else out[i] = v;
    // Odometer step over the shape, innermost dimension fastest.
    for (let d = ndim - 1; d >= 0; d--) {
      pos += strides[d];
      if (++index[d] < shape[d]) break;
      pos -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}

/** @internal The last element index (relative to the offset) a strided view touches, or -1 when empty. */
export function lastElement(shape: readonly number[], strides: readonly number[]): number {
  let last = 0;
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 0) return -1;
    last += (shape[d] - 1) * strides[d];
  }
  return last;
}
