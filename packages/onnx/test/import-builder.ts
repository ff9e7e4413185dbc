/** Hand-built one-node ONNX graphs for the import tests (through src/proto, like the importer). */

import {
  type AttributeProto,
  encodeModel,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from '../src/proto/index.js';

export const FLOAT = 1;
export const INT64 = 7;
export const BOOL = 9;

/** A graph input or output declaration (`dims` null: shape not declared). */
export function info(name: string, elemType: number, dims: (number | string)[] | null): ValueInfoProto {
  if (!dims) return { name, type: { tensorType: { elemType } } };
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

/** A model of `nodes` at `opset` (default 17). */
export function model(
  nodes: NodeProto[],
  inputs: ValueInfoProto[],
  outputs: ValueInfoProto[],
  opts: { initializer?: TensorProto[]; opset?: number } = {},
): Uint8Array {
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opts.opset ?? 17 }],
    graph: { name: 'g', node: nodes, input: inputs, output: outputs, initializer: opts.initializer ?? [] },
  });
}

/** Attribute constructors (the AttributeType codes: FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7, STRINGS 8). */
export const attr = {
  f: (name: string, f: number): AttributeProto => ({ name, type: 1, f }),
  i: (name: string, i: number): AttributeProto => ({ name, type: 2, i }),
  s: (name: string, s: string): AttributeProto => ({ name, type: 3, s: new TextEncoder().encode(s) }),
  floats: (name: string, floats: number[]): AttributeProto => ({ name, type: 6, floats }),
  ints: (name: string, ints: number[]): AttributeProto => ({ name, type: 7, ints }),
  strings: (name: string, v: string[]): AttributeProto => ({
    name,
    type: 8,
    strings: v.map((s) => new TextEncoder().encode(s)),
  }),
};

/** An int64 initializer. */
export function int64s(name: string, values: number[], dims = [values.length]): TensorProto {
  return { name, dataType: INT64, dims, int64Data: values };
}

/** A float initializer. */
export function floats(name: string, values: number[], dims: number[]): TensorProto {
  return { name, dataType: FLOAT, dims, floatData: values };
}
