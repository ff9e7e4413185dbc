/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length N, N bytes of JSON ({ name: { dtype, shape, data_offsets } },
 * plus an optional "__metadata__" of strings), then the raw little-endian tensor bytes.
 *
 * Written: F32, F16, BF16, I32, BOOL, and I64 for the buffers PyTorch keeps in int64
 * (num_batches_tracked), as torch writes them. Read: those (F16 and BF16 as float16 and
 * bfloat16, as safetensors.torch loads them), F64 (rounded to float32) and I64, I16, I8, U8
 * (converted to int32; values outside
 * int32 are an error), so files written by Python's safetensors / torch load directly into
 * a module with loadStateDict. Every header field is validated before any tensor is made,
 * with a message naming the tensor and the field.
 */
import type { Backend, DType } from '../../backend/contract.js';
import { getBackend } from '../../backend/registry.js';
import { fromTypedArray } from '../../ops/creation.js';
import { bytesPerElement } from '../../tensor/dtype.js';
import { isHalf } from '../../tensor/half.js';
import type { Tensor } from '../../tensor/tensor.js';
import { decodedDType, decodeStored, ITEM_BYTES, type StoredKind } from './elements.js';
import { isInt64 } from './saved-dtype.js';

const WRITE_DTYPE: Record<DType, string> = {
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  int32: 'I32',
  bool: 'BOOL',
};
const READ_KIND: Record<string, StoredKind> = {
  F64: 'f64',
  F32: 'f32',
  F16: 'f16',
  BF16: 'bf16',
  I64: 'i64',
  I32: 'i32',
  I16: 'i16',
  I8: 'i8',
  U8: 'u8',
  BOOL: 'bool',
};

/**
 * Serialise named tensors (reads each back, hence async). Keys are written in sorted order.
 * Tensors that PyTorch holds in int64 (a module's num_batches_tracked, as returned by
 * stateDict()) are written as I64, so torch reads back the dtype it wrote.
 */
export async function saveSafetensors(
  dict: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<Uint8Array> {
  const names = Object.keys(dict).sort();
  const header: Record<string, unknown> = {};
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string')
        throw new TypeError(`saveSafetensors: metadata "${k}" must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = dict[name];
    const data = await t.data();
    const wide = t.dtype === 'int32' && isInt64(t);
    const size = t.dtype === 'bool' ? 1 : wide ? 8 : bytesPerElement(t.dtype);
    // Write through DataView so the file is little-endian whatever the host.
    const bytes = new Uint8Array(data.length * size);
    const dv = new DataView(bytes.buffer);
    if (t.dtype === 'float32') for (let i = 0; i < data.length; i++) dv.setFloat32(i * 4, data[i], true);
    else if (wide) for (let i = 0; i < data.length; i++) dv.setBigInt64(i * 8, BigInt(data[i]), true);
    else if (t.dtype === 'int32') for (let i = 0; i < data.length; i++) dv.setInt32(i * 4, data[i], true);
    else if (isHalf(t.dtype)) for (let i = 0; i < data.length; i++) dv.setUint16(i * 2, data[i], true);
    else for (let i = 0; i < data.length; i++) bytes[i] = data[i] ? 1 : 0;
    header[name] = {
      dtype: wide ? 'I64' : WRITE_DTYPE[t.dtype],
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

interface Entry {
  name: string;
  kind: StoredKind;
  shape: number[];
  begin: number;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const show = (v: unknown): string => (v === undefined ? 'missing' : JSON.stringify(v));

/** Check one header entry against the file; returns it in a decoded form or throws naming the field. */
function validateEntry(name: string, raw: unknown, dataBytes: number): Entry {
  const where = `loadSafetensors: tensor "${name}"`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new TypeError(
      `${where}: header entry must be an object { dtype, shape, data_offsets }, got ${show(raw)}`,
    );
  }
  const e = raw as Record<string, unknown>;
  const kind = typeof e.dtype === 'string' ? READ_KIND[e.dtype] : undefined;
  if (!kind) {
    const upper =
      typeof e.dtype === 'string' && READ_KIND[e.dtype.toUpperCase()]
        ? ` (dtype names are upper case: "${e.dtype.toUpperCase()}")`
        : '';
    throw new TypeError(
      `${where}: dtype ${show(e.dtype)} is not supported${upper}; supported: ${Object.keys(READ_KIND).join(', ')}`,
    );
  }
  if (!Array.isArray(e.shape) || !e.shape.every(isCount)) {
    throw new TypeError(`${where}: shape must be an array of non-negative integers, got ${show(e.shape)}`);
  }
  const offsets = e.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw new TypeError(
      `${where}: data_offsets must be [begin, end], two non-negative integers, got ${show(offsets)}`,
    );
  }
  const [begin, end] = offsets as number[];
  if (begin > end || end > dataBytes) {
    throw new RangeError(
      `${where}: data_offsets [${begin}, ${end}] lie outside the data section (${dataBytes} bytes after the header)`,
    );
  }
  const shape = e.shape as number[];
  const expected = shape.reduce((a, b) => a * b, 1) * ITEM_BYTES[kind];
  if (end - begin !== expected) {
    throw new RangeError(
      `${where} (${e.dtype}, shape [${shape.join(', ')}]) has ${end - begin} bytes, expected ${expected}`,
    );
  }
  return { name, kind, shape, begin };
}

/** Parse a safetensors file into new tensors on `backend` (default: the current backend). */
export function loadSafetensors(bytes: Uint8Array, opts: { backend?: Backend } = {}): Record<string, Tensor> {
  if (bytes.length < 8) throw new RangeError(`loadSafetensors: file too short (${bytes.length} bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = dv.getBigUint64(0, true);
  if (8n + headerLen > BigInt(bytes.length)) {
    throw new RangeError(
      `loadSafetensors: header length ${headerLen} exceeds the file size (${bytes.length} bytes): truncated or not a safetensors file`,
    );
  }
  const base = 8 + Number(headerLen);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, base)));
  } catch (e) {
    throw new SyntaxError(`loadSafetensors: invalid JSON header (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new TypeError(
      `loadSafetensors: the header must be a JSON object of tensors, got ${Array.isArray(header) ? 'an array' : String(header)}`,
    );
  }
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      const ok =
        typeof raw === 'object' && raw !== null && Object.values(raw).every((v) => typeof v === 'string');
      if (!ok)
        throw new TypeError(`loadSafetensors: __metadata__ must be an object of strings, got ${show(raw)}`);
      continue;
    }
    entries.push(validateEntry(name, raw, bytes.length - base));
  }
  const backend = opts.backend ?? getBackend();
  const out: Record<string, Tensor> = {};
  try {
    for (const e of entries) {
      // F16 and BF16 stay float16/bfloat16, as safetensors.torch loads them.
      const data = decodeStored(
        dv,
        { kind: e.kind, shape: e.shape, byteBase: base + e.begin, keepHalf: true },
        `loadSafetensors: tensor "${e.name}"`,
      );
      out[e.name] = fromTypedArray(data, e.shape, backend, decodedDType(e.kind, true));
    }
  } catch (err) {
    for (const t of Object.values(out)) t.dispose();
    throw err;
  }
  return out;
}
