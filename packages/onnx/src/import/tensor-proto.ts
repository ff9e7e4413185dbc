/** Decoding ONNX TensorProto and AttributeProto messages into host values and plain numbers. */

import type { TensorProto } from '../proto/index.js';
import { type HostDType, type HostValue, host, sizeOf } from './values.js';

/** protobufjs gives 64-bit integers as numbers or as Long objects, depending on the build. */
type Int64 = number | { toNumber(): number };

/**
 * @internal An int64 field as a JavaScript number: exact up to 2^53, which covers every size.
 * Unlike proto's int64ToNumber this does not reject larger values, because exporters write
 * INT64_MAX / INT64_MIN as "to the end" in Slice bounds, where a rounded double still clamps right.
 */
export function num(x: Int64 | null | undefined): number {
  if (x === null || x === undefined) return 0;
  return typeof x === 'number' ? x : x.toNumber();
}

/** ONNX TensorProto.DataType codes and how each one is kept on the host. */
const DTYPES: Record<number, { name: string; host: HostDType; bytes: number } | undefined> = {
  1: { name: 'float', host: 'float32', bytes: 4 },
  2: { name: 'uint8', host: 'int32', bytes: 1 },
  3: { name: 'int8', host: 'int32', bytes: 1 },
  4: { name: 'uint16', host: 'int32', bytes: 2 },
  5: { name: 'int16', host: 'int32', bytes: 2 },
  6: { name: 'int32', host: 'int32', bytes: 4 },
  7: { name: 'int64', host: 'int64', bytes: 8 },
  9: { name: 'bool', host: 'bool', bytes: 1 },
  11: { name: 'double', host: 'float64', bytes: 8 },
  12: { name: 'uint32', host: 'int64', bytes: 4 },
  13: { name: 'uint64', host: 'int64', bytes: 8 },
};

const UNSUPPORTED_NAMES: Record<number, string> = {
  8: 'string',
  10: 'float16',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
};

/** @internal The host dtype for an ONNX data type code, or an error naming it. */
export function hostDType(code: number, what: string): HostDType {
  const d = DTYPES[code];
  if (!d) {
    throw new TypeError(
      `ONNX import: ${what} has data type ${UNSUPPORTED_NAMES[code] ?? `code ${code}`}, which layers does not support (float, double, int8-64, uint8-64 and bool are)`,
    );
  }
  return d.host;
}

function readRaw(raw: Uint8Array, code: number, n: number, what: string): number[] {
  const d = DTYPES[code]!;
  if (raw.byteLength !== n * d.bytes) {
    throw new RangeError(
      `ONNX import: ${what} has ${raw.byteLength} bytes of raw data, expected ${n * d.bytes} (${n} ${d.name} elements)`,
    );
  }
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const o = i * d.bytes;
    switch (code) {
      case 1:
        out[i] = v.getFloat32(o, true);
        break;
      case 2:
      case 9:
        out[i] = v.getUint8(o);
        break;
      case 3:
        out[i] = v.getInt8(o);
        break;
      case 4:
        out[i] = v.getUint16(o, true);
        break;
      case 5:
        out[i] = v.getInt16(o, true);
        break;
      case 6:
        out[i] = v.getInt32(o, true);
        break;
      case 7:
        out[i] = Number(v.getBigInt64(o, true));
        break;
      case 11:
        out[i] = v.getFloat64(o, true);
        break;
      case 12:
        out[i] = v.getUint32(o, true);
        break;
      default:
        out[i] = Number(v.getBigUint64(o, true));
    }
  }
  return out;
}

/** @internal A TensorProto (initializer or Constant value) as a host value. */
export function decodeTensor(t: TensorProto, what: string): HostValue {
  const code = t.dataType ?? 0;
  const dtype = hostDType(code, what);
  if (t.dataLocation === 1) {
    throw new Error(
      `ONNX import: ${what} keeps its data in an external file, which importModel(bytes) cannot read`,
    );
  }
  const shape = (t.dims ?? []).map(num);
  const n = sizeOf(shape);
  let data: number[];
  if (t.rawData && t.rawData.byteLength > 0) data = readRaw(t.rawData, code, n, what);
  else if (code === 1) data = [...(t.floatData ?? [])];
  else if (code === 11) data = [...(t.doubleData ?? [])];
  else if (code === 7) data = (t.int64Data ?? []).map(num);
  else if (code === 12 || code === 13) data = (t.uint64Data ?? []).map(num);
  else data = [...(t.int32Data ?? [])];
  if (data.length !== n) {
    throw new RangeError(
      `ONNX import: ${what} has ${data.length} elements, its shape [${shape.join(', ')}] needs ${n}`,
    );
  }
  if (code === 1) data = data.map(Math.fround);
  return host(dtype, shape, data);
}
