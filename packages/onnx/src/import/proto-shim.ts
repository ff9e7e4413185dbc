// TEMPORARY until the scaffold's src/proto lands.

import type { onnx as O } from 'onnx-proto';
import proto from 'onnx-proto';
export const onnx: typeof O = (proto as unknown as { onnx: typeof O }).onnx;
export declare namespace onnx {
  type ITensorProto = O.ITensorProto;
  type IAttributeProto = O.IAttributeProto;
  type INodeProto = O.INodeProto;
  type IGraphProto = O.IGraphProto;
  type IValueInfoProto = O.IValueInfoProto;
  type ModelProto = O.ModelProto;
  type IModelProto = O.IModelProto;
}
