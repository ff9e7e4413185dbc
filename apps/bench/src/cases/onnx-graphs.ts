/**
 * The benchmark graphs as in-memory ONNX models (a few fields of onnx.proto3's ModelProto,
 * written by hand), so onnxruntime-web needs no model files. Weights are initializers, so
 * only the activation 'X' is fed per run and the result is always 'Y'.
 */
import { type BenchSpec, benchData } from '../harness.js';

// ---- minimal protobuf writer ----------------------------------------------------------------

type Bytes = number[];

function varint(out: Bytes, v: number): void {
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function fieldVarint(out: Bytes, field: number, v: number): void {
  if (v < 0 || !Number.isInteger(v)) throw new Error(`onnx writer: varint ${v} is not a natural number`);
  varint(out, field * 8);
  varint(out, v);
}

function fieldBytes(out: Bytes, field: number, payload: Bytes | Uint8Array): void {
  varint(out, field * 8 + 2);
  varint(out, payload.length);
  for (const b of payload) out.push(b);
}

function fieldString(out: Bytes, field: number, s: string): void {
  fieldBytes(out, field, Array.from(new TextEncoder().encode(s)));
}

function fieldFloat(out: Bytes, field: number, v: number): void {
  varint(out, field * 8 + 5); // wire type 5: fixed32
  out.push(...new Uint8Array(Float32Array.of(v).buffer));
}

// ---- ONNX messages (field numbers from onnx.proto3) -------------------------------------------

const FLOAT = 1; // TensorProto.DataType.FLOAT
const INT64 = 7; // TensorProto.DataType.INT64

function valueInfo(name: string, dims: readonly number[]): Bytes {
  const shape: Bytes = [];
  for (const d of dims) {
    const dim: Bytes = [];
    fieldVarint(dim, 1, d); // Dimension.dim_value
    fieldBytes(shape, 1, dim); // TensorShapeProto.dim
  }
  const tensorType: Bytes = [];
  fieldVarint(tensorType, 1, FLOAT); // elem_type
  fieldBytes(tensorType, 2, shape); // shape
  const type: Bytes = [];
  fieldBytes(type, 1, tensorType); // TypeProto.tensor_type
  const out: Bytes = [];
  fieldString(out, 1, name); // ValueInfoProto.name
  fieldBytes(out, 2, type); // ValueInfoProto.type
  return out;
}

function tensor(name: string, dims: readonly number[], type: number, raw: Uint8Array): Bytes {
  const out: Bytes = [];
  for (const d of dims) fieldVarint(out, 1, d); // dims
  fieldVarint(out, 2, type); // data_type
  fieldString(out, 8, name); // name
  fieldBytes(out, 9, raw); // raw_data (little-endian)
  return out;
}

function floats(name: string, dims: readonly number[], data: Float32Array): Bytes {
  return tensor(name, dims, FLOAT, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function int64s(name: string, values: readonly number[]): Bytes {
  const data = BigInt64Array.from(values, (v) => BigInt(v));
  return tensor(name, [values.length], INT64, new Uint8Array(data.buffer));
}

type Attr = Bytes;

function intsAttr(name: string, values: readonly number[]): Attr {
  const out: Bytes = [];
  fieldString(out, 1, name);
  for (const v of values) fieldVarint(out, 8, v); // ints
  fieldVarint(out, 20, 7); // type = INTS
  return out;
}

function intAttr(name: string, value: number): Attr {
  const out: Bytes = [];
  fieldString(out, 1, name);
  fieldVarint(out, 3, value); // i
  fieldVarint(out, 20, 2); // type = INT
  return out;
}

function floatAttr(name: string, value: number): Attr {
  const out: Bytes = [];
  fieldString(out, 1, name);
  fieldFloat(out, 2, value); // f
  fieldVarint(out, 20, 1); // type = FLOAT
  return out;
}

interface Node {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attrs?: readonly Attr[];
}

interface Graph {
  nodes: readonly Node[];
  initializers: readonly Bytes[];
  /** Dims of the fed input 'X' and of the output 'Y'. */
  x: readonly number[];
  y: readonly number[];
  opset: number;
}

function model(g: Graph): Uint8Array {
  const graph: Bytes = [];
  g.nodes.forEach((n, i) => {
    const node: Bytes = [];
    for (const s of n.inputs) fieldString(node, 1, s);
    for (const s of n.outputs) fieldString(node, 2, s);
    fieldString(node, 3, `n${i}`);
    fieldString(node, 4, n.op);
    for (const a of n.attrs ?? []) fieldBytes(node, 5, a);
    fieldBytes(graph, 1, node);
  });
  fieldString(graph, 2, 'bench');
  for (const t of g.initializers) fieldBytes(graph, 5, t);
  fieldBytes(graph, 11, valueInfo('X', g.x));
  fieldBytes(graph, 12, valueInfo('Y', g.y));
  const opset: Bytes = [];
  fieldString(opset, 1, '');
  fieldVarint(opset, 2, g.opset);
  const m: Bytes = [];
  fieldVarint(m, 1, 8); // ir_version
  fieldBytes(m, 8, opset); // opset_import
  fieldBytes(m, 7, graph); // graph
  return Uint8Array.from(m);
}

/** Scaled benchData, so activations stay in the range trained weights would give. */
function weights(n: number, seed: number, scale: number): Float32Array {
  return benchData(n, seed).map((v) => v * scale);
}

// ---- the graphs -------------------------------------------------------------------------------

export interface OnnxCase {
  model: Uint8Array;
  /** The fed input 'X'. */
  x: Float32Array;
  xDims: readonly number[];
}

/** The ONNX model and input for a spec, or null when there is none. */
export function onnxCase(spec: BenchSpec): OnnxCase | null {
  switch (spec.kind) {
    case 'matmul': {
      const n = spec.n;
      const xDims = [n, n];
      const g: Graph = {
        nodes: [{ op: 'MatMul', inputs: ['X', 'B'], outputs: ['Y'] }],
        initializers: [floats('B', [n, n], benchData(n * n, 2))],
        x: xDims,
        y: [n, n],
        opset: 13,
      };
      return { model: model(g), x: benchData(n * n, 1), xDims };
    }
    case 'conv2d': {
      const { batch, cin, cout, size, k } = spec;
      const pad = (k - 1) >> 1;
      const xDims = [batch, cin, size, size];
      const g: Graph = {
        nodes: [
          {
            op: 'Conv',
            inputs: ['X', 'W', 'Bias'],
            outputs: ['Y'],
            attrs: [
              intsAttr('kernel_shape', [k, k]),
              intsAttr('pads', [pad, pad, pad, pad]),
              intsAttr('strides', [1, 1]),
            ],
          },
        ],
        initializers: [
          floats('W', [cout, cin, k, k], benchData(cout * cin * k * k, 4)),
          floats('Bias', [cout], benchData(cout, 5)),
        ],
        x: xDims,
        y: [batch, cout, size, size],
        opset: 13,
      };
      return { model: model(g), x: benchData(batch * cin * size * size, 3), xDims };
    }
    case 'lstm':
      return lstmCase(spec);
    case 'encoder':
      return encoderCase(spec);
    default:
      return null;
  }
}

/** ONNX's LSTM op (gate order i, o, f, c; the values are arbitrary, so order does not matter). */
function lstmCase(spec: Extract<BenchSpec, { kind: 'lstm' }>): OnnxCase {
  const { seq, batch, input, hidden } = spec;
  const k = 1 / Math.sqrt(hidden);
  const xDims = [seq, batch, input];
  const g: Graph = {
    nodes: [
      // Y is [seq, num_directions, batch, hidden]; the optional Y_h, Y_c are left out.
      { op: 'LSTM', inputs: ['X', 'W', 'R', 'B'], outputs: ['Y'], attrs: [intAttr('hidden_size', hidden)] },
    ],
    initializers: [
      floats('W', [1, 4 * hidden, input], weights(4 * hidden * input, 21, k)),
      floats('R', [1, 4 * hidden, hidden], weights(4 * hidden * hidden, 22, k)),
      floats('B', [1, 8 * hidden], weights(8 * hidden, 23, k)),
    ],
    x: xDims,
    y: [seq, 1, batch, hidden],
    opset: 14,
  };
  return { model: model(g), x: benchData(seq * batch * input, 20), xDims };
}

/** Post-norm encoder layer (ReLU FFN, eval) from MatMul/Softmax/LayerNormalization nodes. */
function encoderCase(spec: Extract<BenchSpec, { kind: 'encoder' }>): OnnxCase {
  const { batch, seq, dModel: d, heads, ff } = spec;
  const dh = d / heads;
  const kd = 1 / Math.sqrt(d);
  const xDims = [batch, seq, d];
  const node = (op: string, inputs: string[], outputs: string[], attrs?: Attr[]): Node => ({
    op,
    inputs,
    outputs,
    attrs,
  });
  const g: Graph = {
    nodes: [
      node('MatMul', ['X', 'Wqkv'], ['qkv0']),
      node('Add', ['qkv0', 'Bqkv'], ['qkv']),
      node('Split', ['qkv', 'split3'], ['q0', 'k0', 'v0'], [intAttr('axis', 2)]),
      node('Reshape', ['q0', 'headShape'], ['q1']),
      node('Reshape', ['k0', 'headShape'], ['k1']),
      node('Reshape', ['v0', 'headShape'], ['v1']),
      node('Transpose', ['q1'], ['q'], [intsAttr('perm', [0, 2, 1, 3])]),
      node('Transpose', ['k1'], ['kT'], [intsAttr('perm', [0, 2, 3, 1])]),
      node('Transpose', ['v1'], ['v'], [intsAttr('perm', [0, 2, 1, 3])]),
      node('MatMul', ['q', 'kT'], ['s0']),
      node('Mul', ['s0', 'scale'], ['s']),
      node('Softmax', ['s'], ['p'], [intAttr('axis', 3)]),
      node('MatMul', ['p', 'v'], ['ctx0']),
      node('Transpose', ['ctx0'], ['ctx1'], [intsAttr('perm', [0, 2, 1, 3])]),
      node('Reshape', ['ctx1', 'modelShape'], ['ctx']),
      node('MatMul', ['ctx', 'Wo'], ['o0']),
      node('Add', ['o0', 'Bo'], ['o']),
      node('Add', ['X', 'o'], ['r1']),
      node(
        'LayerNormalization',
        ['r1', 'G1', 'Be1'],
        ['x1'],
        [intAttr('axis', 2), floatAttr('epsilon', 1e-5)],
      ),
      node('MatMul', ['x1', 'W1'], ['h0']),
      node('Add', ['h0', 'B1'], ['h1']),
      node('Relu', ['h1'], ['h']),
      node('MatMul', ['h', 'W2'], ['f0']),
      node('Add', ['f0', 'B2'], ['f']),
      node('Add', ['x1', 'f'], ['r2']),
      node(
        'LayerNormalization',
        ['r2', 'G2', 'Be2'],
        ['Y'],
        [intAttr('axis', 2), floatAttr('epsilon', 1e-5)],
      ),
    ],
    initializers: [
      floats('Wqkv', [d, 3 * d], weights(d * 3 * d, 31, kd)),
      floats('Bqkv', [3 * d], new Float32Array(3 * d)),
      int64s('split3', [d, d, d]),
      int64s('headShape', [batch, seq, heads, dh]),
      int64s('modelShape', [batch, seq, d]),
      floats('scale', [], Float32Array.of(1 / Math.sqrt(dh))),
      floats('Wo', [d, d], weights(d * d, 32, kd)),
      floats('Bo', [d], new Float32Array(d)),
      floats('G1', [d], new Float32Array(d).fill(1)),
      floats('Be1', [d], new Float32Array(d)),
      floats('W1', [d, ff], weights(d * ff, 33, kd)),
      floats('B1', [ff], new Float32Array(ff)),
      floats('W2', [ff, d], weights(ff * d, 34, 1 / Math.sqrt(ff))),
      floats('B2', [d], new Float32Array(d)),
      floats('G2', [d], new Float32Array(d).fill(1)),
      floats('Be2', [d], new Float32Array(d)),
    ],
    x: xDims,
    y: xDims,
    opset: 17,
  };
  return { model: model(g), x: benchData(batch * seq * d, 30), xDims };
}
