/**
 * onnxruntime-web, wasm execution provider. Threads come from LAYERS_BENCH_WASM_THREADS
 * (default 1), like layers-wasm. The MatMul and Conv graphs are encoded here as ONNX
 * protobuf bytes (a few fields of ModelProto), so no model files are needed; weights are
 * initializers, so only the activation is fed per run, as with resident tensors elsewhere.
 */
import * as ort from 'onnxruntime-web';
import { type BenchSpec, benchData, type Contender, type Runner } from '../harness.js';

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

// ---- ONNX messages (field numbers from onnx.proto3) -------------------------------------------

const FLOAT = 1; // TensorProto.DataType.FLOAT

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

function initializer(name: string, dims: readonly number[], data: Float32Array): Bytes {
  const out: Bytes = [];
  for (const d of dims) fieldVarint(out, 1, d); // dims
  fieldVarint(out, 2, FLOAT); // data_type
  fieldString(out, 8, name); // name
  fieldBytes(out, 9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)); // raw_data
  return out;
}

function intsAttribute(name: string, values: readonly number[]): Bytes {
  const out: Bytes = [];
  fieldString(out, 1, name);
  for (const v of values) fieldVarint(out, 8, v); // ints
  fieldVarint(out, 20, 7); // type = INTS
  return out;
}

interface GraphSpec {
  op: string;
  inputs: readonly string[];
  attributes: Bytes[];
  initializers: Bytes[];
  graphInput: Bytes;
  graphOutput: Bytes;
}

function model(g: GraphSpec): Uint8Array {
  const node: Bytes = [];
  for (const i of g.inputs) fieldString(node, 1, i);
  fieldString(node, 2, 'Y');
  fieldString(node, 3, 'n0');
  fieldString(node, 4, g.op);
  for (const a of g.attributes) fieldBytes(node, 5, a);
  const graph: Bytes = [];
  fieldBytes(graph, 1, node);
  fieldString(graph, 2, 'bench');
  for (const t of g.initializers) fieldBytes(graph, 5, t);
  fieldBytes(graph, 11, g.graphInput);
  fieldBytes(graph, 12, g.graphOutput);
  const opset: Bytes = [];
  fieldString(opset, 1, '');
  fieldVarint(opset, 2, 13);
  const m: Bytes = [];
  fieldVarint(m, 1, 8); // ir_version
  fieldBytes(m, 8, opset); // opset_import
  fieldBytes(m, 7, graph); // graph
  return Uint8Array.from(m);
}

// ---- contender --------------------------------------------------------------------------------

export default function contender(): Contender {
  const threads = Math.max(1, Number(process.env.LAYERS_BENCH_WASM_THREADS ?? 1) || 1);
  return {
    name: `ort-wasm-${threads}t`,
    family: 'wasm',
    ours: false,
    async init() {
      ort.env.wasm.numThreads = threads;
      ort.env.logLevel = 'error';
    },
    async prepare(spec: BenchSpec): Promise<Runner | null> {
      let bytes: Uint8Array;
      let feedName: string;
      let feed: ort.Tensor;
      if (spec.kind === 'matmul') {
        const n = spec.n;
        bytes = model({
          op: 'MatMul',
          inputs: ['A', 'B'],
          attributes: [],
          initializers: [initializer('B', [n, n], benchData(n * n, 2))],
          graphInput: valueInfo('A', [n, n]),
          graphOutput: valueInfo('Y', [n, n]),
        });
        feedName = 'A';
        feed = new ort.Tensor('float32', benchData(n * n, 1), [n, n]);
      } else if (spec.kind === 'conv2d') {
        const { batch, cin, cout, size, k } = spec;
        const pad = (k - 1) >> 1;
        bytes = model({
          op: 'Conv',
          inputs: ['X', 'W', 'Bias'],
          attributes: [
            intsAttribute('kernel_shape', [k, k]),
            intsAttribute('pads', [pad, pad, pad, pad]),
            intsAttribute('strides', [1, 1]),
          ],
          initializers: [
            initializer('W', [cout, cin, k, k], benchData(cout * cin * k * k, 4)),
            initializer('Bias', [cout], benchData(cout, 5)),
          ],
          graphInput: valueInfo('X', [batch, cin, size, size]),
          graphOutput: valueInfo('Y', [batch, cout, size, size]),
        });
        feedName = 'X';
        feed = new ort.Tensor('float32', benchData(batch * cin * size * size, 3), [batch, cin, size, size]);
      } else {
        return null;
      }
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: ['wasm'],
        graphOptimizationLevel: 'all',
      });
      return {
        async step() {
          const out = await session.run({ [feedName]: feed });
          await out.Y.getData();
          out.Y.dispose();
        },
        dispose: () => session.release(),
      };
    },
  };
}
