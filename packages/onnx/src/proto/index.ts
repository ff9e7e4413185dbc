/**
 * The ONNX protobuf binding: every byte @layers/onnx reads or writes goes through here.
 *
 * Why `onnx-proto`: it is protobufjs static code generated from the official onnx.proto
 * (ONNX v1.10.2, IR version 8, which is also the IR of ONNX 1.12 / opset 17), MIT-licensed,
 * and it needs no schema parsing at runtime. It is CommonJS, so it is loaded through the
 * default import (Node's ESM interop) and its types are re-exported from the namespace.
 */

import type { onnx as OnnxTypes } from 'onnx-proto';
import onnxProto from 'onnx-proto';

/** The generated `onnx` protobuf namespace (message classes with create/encode/decode/verify). */
export const onnx: typeof OnnxTypes = onnxProto.onnx;

/** ONNX ModelProto as a plain object (all fields optional, camelCase as in protobufjs). */
export type ModelProto = OnnxTypes.IModelProto;
/** ONNX GraphProto as a plain object. */
export type GraphProto = OnnxTypes.IGraphProto;
/** ONNX NodeProto as a plain object. */
export type NodeProto = OnnxTypes.INodeProto;
/** ONNX TensorProto (initialisers and tensor attributes) as a plain object. */
export type TensorProto = OnnxTypes.ITensorProto;
/** ONNX AttributeProto as a plain object. */
export type AttributeProto = OnnxTypes.IAttributeProto;
/** ONNX ValueInfoProto (graph inputs/outputs) as a plain object. */
export type ValueInfoProto = OnnxTypes.IValueInfoProto;
/** ONNX TypeProto as a plain object. */
export type TypeProto = OnnxTypes.ITypeProto;
/** ONNX OperatorSetIdProto as a plain object. */
export type OperatorSetIdProto = OnnxTypes.IOperatorSetIdProto;
/** A decoded ModelProto (message instance; int64 fields may be `Long`). */
export type DecodedModel = OnnxTypes.ModelProto;

/** TensorProto.DataType codes (FLOAT = 1, INT64 = 7, ...). */
export const TensorDataType = onnx.TensorProto.DataType;
/** AttributeProto.AttributeType codes (FLOAT = 1, INT = 2, ...). */
export const AttributeType = onnx.AttributeProto.AttributeType;

/** The IR version this schema writes (8: opsets up to 17 are defined for it). */
export const IR_VERSION = 8;

/**
 * Serialises a model to ONNX bytes. Throws when the object does not fit the schema
 * (the generated verifier names the field), so a malformed model never reaches disk.
 */
export function encodeModel(model: ModelProto): Uint8Array {
  const problem = onnx.ModelProto.verify(model);
  if (problem) throw new Error(`onnx: model does not fit the ONNX schema: ${problem}`);
  return onnx.ModelProto.encode(model).finish();
}

/** Parses ONNX bytes into a ModelProto message; throws on truncated or invalid protobuf. */
export function decodeModel(bytes: Uint8Array): DecodedModel {
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(
      `onnx: cannot decode ${bytes.length} bytes as an ONNX ModelProto: ${(e as Error).message}`,
    );
  }
}

/**
 * Converts an int64 protobuf field (number or Long) to a JS number; throws when it does
 * not fit exactly, since a silently rounded shape or index would be a wrong model.
 */
export function int64ToNumber(
  v: number | { toNumber(): number; toString(): string } | null | undefined,
): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  const n = v.toNumber();
  if (!Number.isSafeInteger(n))
    throw new Error(`onnx: int64 value ${v.toString()} is outside the safe integer range`);
  return n;
}
