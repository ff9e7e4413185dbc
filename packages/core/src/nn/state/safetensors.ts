/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length N, N bytes of JSON ({ name: { dtype, shape, data_offsets } },
 * plus an optional "__metadata__" of strings), then the raw little-endian tensor bytes.
 *
 * Written: F32, I32, BOOL. Read: also F64, F16, BF16 (converted to float32) and I64, I16,
 * I8, U8 (converted to int32; I64 values outside int32 are an error), so files written by
 * Python's safetensors / torch load directly into a module with loadStateDict.
 */
import type { Backend, DType } from '../../backend/contract.js';
import { getBackend } from '../../backend/registry.js';
import { fromTypedArray } from '../../ops/creation.js';
import type { Tensor } from '../../tensor/tensor.js';

const WRITE_DTYPE: Record<DType, string> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };
const ITEM_SIZE: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Serialise named tensors (reads each back, hence async). Keys are written in sorted order. */
export async function saveSafetensors(
  dict: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<Uint8Array> {
  const names = Object.keys(dict).sort();
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = dict[name];
    const data = await t.data();
    // Copy into a fresh little-endian byte array (all supported hosts are little-endian,
    // but go through DataView so the file is correct regardless).
    const bytes = new Uint8Array(data.length * (t.dtype === 'bool' ? 1 : 4));
    const dv = new DataView(bytes.buffer);
    if (t.dtype === 'float32') for (let i = 0; i < data.length; i++) dv.setFloat32(i * 4, data[i], true);
    else if (t.dtype === 'int32') for (let i = 0; i < data.length; i++) dv.setInt32(i * 4, data[i], true);
    else for (let i = 0; i < data.length; i++) bytes[i] = data[i] ? 1 : 0;
    header[name] = {
      dtype: WRITE_DTYPE[t.dtype],
      shape: [...t.shape],
      data_offsets: [offset, offset + bytes.length],
    };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces to a multiple of 8 bytes, as the reference writer does.
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  const padded = Math.ceil(headerBytes.length / 8) * 8;
  if (padded !== headerBytes.length) {
    json += ' '.repeat(padded - headerBytes.length);
    headerBytes = encoder.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/** float16 bits -> number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function decode(
  name: string,
  e: HeaderEntry,
  dv: DataView,
  base: number,
): Float32Array | Int32Array | Uint8Array {
  const n = e.shape.reduce((a, b) => a * b, 1);
  const size = ITEM_SIZE[e.dtype];
  const [begin, end] = e.data_offsets;
  if (end - begin !== n * size) {
    throw new RangeError(
      `loadSafetensors: tensor "${name}" (${e.dtype}, shape [${e.shape.join(', ')}]) has ${end - begin} bytes, expected ${n * size}`,
    );
  }
  const at = (i: number) => base + begin + i * size;
  switch (e.dtype) {
    case 'F32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(at(i), true);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(at(i), true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(at(i), true));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(n);
      const word = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) {
        word.setUint32(0, dv.getUint16(at(i), true) << 16);
        out[i] = word.getFloat32(0);
      }
      return out;
    }
    case 'I64': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = dv.getBigInt64(at(i), true);
        if (v > 2147483647n || v < -2147483648n) {
          throw new RangeError(
            `loadSafetensors: tensor "${name}" is I64 and element ${i} (${v}) does not fit in int32, layers' integer type`,
          );
        }
        out[i] = Number(v);
      }
      return out;
    }
    case 'I32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(at(i), true);
      return out;
    }
    case 'I16': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt16(at(i), true);
      return out;
    }
    case 'I8': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt8(at(i));
      return out;
    }
    case 'U8': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getUint8(at(i));
      return out;
    }
    case 'BOOL': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getUint8(at(i)) ? 1 : 0;
      return out;
    }
    default:
      throw new TypeError(
        `loadSafetensors: tensor "${name}" has unsupported dtype ${e.dtype} (supported: ${Object.keys(ITEM_SIZE).join(', ')})`,
      );
  }
}

/** Parse a safetensors file into new tensors on `backend` (default: the current backend). */
export function loadSafetensors(bytes: Uint8Array, opts: { backend?: Backend } = {}): Record<string, Tensor> {
  if (bytes.length < 8) throw new RangeError(`loadSafetensors: file too short (${bytes.length} bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(dv.getBigUint64(0, true));
  if (8 + headerLen > bytes.length) {
    throw new RangeError(
      `loadSafetensors: header length ${headerLen} exceeds the file size (${bytes.length} bytes)`,
    );
  }
  let header: Record<string, HeaderEntry | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new SyntaxError(`loadSafetensors: invalid JSON header (${(e as Error).message})`);
  }
  const base = 8 + headerLen;
  const backend = opts.backend ?? getBackend();
  const out: Record<string, Tensor> = {};
  try {
    for (const [name, entry] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const e = entry as HeaderEntry;
      if (base + e.data_offsets[1] > bytes.length) {
        throw new RangeError(`loadSafetensors: tensor "${name}" extends past the end of the file`);
      }
      out[name] = fromTypedArray(decode(name, e, dv, base), e.shape, backend);
    }
  } catch (err) {
    for (const t of Object.values(out)) t.dispose();
    throw err;
  }
  return out;
}
