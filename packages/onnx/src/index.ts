/**
 * @layers/onnx: export @layers/core modules to ONNX and import ONNX models back.
 * All protobuf encoding and decoding goes through ./proto (the official ONNX schema).
 */
export * from './export/index.js';
export * from './import/index.js';
export type {
  AttributeProto,
  DecodedModel,
  GraphProto,
  ModelProto,
  NodeProto,
  OperatorSetIdProto,
  TensorProto,
  TypeProto,
  ValueInfoProto,
} from './proto/index.js';
export {
  AttributeType,
  decodeModel,
  encodeModel,
  IR_VERSION,
  int64ToNumber,
  onnx,
  TensorDataType,
} from './proto/index.js';
