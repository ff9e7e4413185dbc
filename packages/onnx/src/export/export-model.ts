/**
 * exportModel: a layers module → ONNX bytes, by tracing its forward module by module (each
 * nn class has an exporter in ./ops) in eval mode, as torch.onnx.export does by default.
 */
import { cat, type DType, narrow, type nn, type Tensor, tidy } from '@layers/core';

type Module = nn.Module;

import type { ModelProto, ValueInfoProto } from '../proto/index.js';
import { encodeModel, IR_VERSION, TensorDataType } from '../proto/index.js';
import { Graph, Value } from './graph.js';
import { lookupExporter } from './registry.js';
import './ops/index.js';

/** Per-name dynamic axes: a list of axis numbers, or axis → symbolic dim name (as PyTorch). */
export type DynamicAxes = Record<string, readonly number[] | Record<number, string>>;

/** Options of {@link exportModel}. */
export interface ExportOptions {
  /** ONNX opset, 13 to 17 (default 17). Below 17, LayerNormalization is decomposed. */
  opsetVersion?: number;
  /**
   * Graph input names, in the order the example inputs' tensors appear (depth first; tensors
   * inside an options object default to their key). Defaults: `input` (one input) or `input0`, ....
   */
  inputNames?: readonly string[];
  /** Graph output names in the order of forward's tensors (flattened). Defaults: `output` or `output0`, .... */
  outputNames?: readonly string[];
  /** Axes of inputs and outputs that may change size at run time (batch, sequence), by name. */
  dynamicAxes?: DynamicAxes;
  /** Graph name written into the model (default 'layers'). */
  graphName?: string;
}

const ONNX_TYPE: Record<DType, number> = {
  float32: TensorDataType.FLOAT,
  float16: TensorDataType.FLOAT16,
  bfloat16: TensorDataType.BFLOAT16,
  int32: TensorDataType.INT32,
  bool: TensorDataType.BOOL,
};

/** A Tensor-or-structure argument with its tensors collected in order. */
interface InputSlot {
  tensor: Tensor;
  defaultName: string;
}

function collectInputs(args: readonly unknown[]): InputSlot[] {
  const slots: InputSlot[] = [];
  const visit = (a: unknown, name: string): void => {
    if (isTensor(a)) slots.push({ tensor: a, defaultName: name });
    else if (Array.isArray(a)) for (const [i, x] of a.entries()) visit(x, `${name}_${i}`);
    else if (a && typeof a === 'object') for (const [k, v] of Object.entries(a)) visit(v, k);
  };
  for (const [i, a] of args.entries()) visit(a, `input${i}`);
  if (slots.length === 1 && slots[0].defaultName === 'input0') slots[0].defaultName = 'input';
  return slots;
}

function isTensor(a: unknown): a is Tensor {
  return (
    !!a && typeof a === 'object' && 'shape' in a && 'dtype' in a && typeof (a as Tensor).data === 'function'
  );
}

/** Replaces the tensors of args, in collectInputs order, with fn(tensor, index). */
function replaceTensors(args: readonly unknown[], fn: (t: Tensor, i: number) => unknown): unknown[] {
  let i = 0;
  const visit = (a: unknown): unknown => {
    if (isTensor(a)) return fn(a, i++);
    if (Array.isArray(a)) return a.map(visit);
    if (a && typeof a === 'object' && Object.getPrototypeOf(a) === Object.prototype) {
      return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, visit(v)]));
    }
    return a;
  };
  return args.map(visit);
}

/** Axis → dim name for one graph input or output. */
function axesFor(name: string, rank: number, dyn: DynamicAxes | undefined): Map<number, string> {
  const spec = dyn?.[name];
  const out = new Map<number, string>();
  if (!spec) return out;
  const entries: [number, string][] = Array.isArray(spec)
    ? (spec as number[]).map((a) => [a, `${name}_dim${a}`])
    : Object.entries(spec).map(([a, n]) => [Number(a), n as string]);
  for (const [a, n] of entries) {
    const axis = a < 0 ? a + rank : a;
    if (!Number.isInteger(axis) || axis < 0 || axis >= rank) {
      throw new RangeError(
        `exportModel: dynamicAxes['${name}'] names axis ${a}, but '${name}' has rank ${rank}`,
      );
    }
    out.set(axis, n);
  }
  return out;
}

/** The example grown by one along each dynamic axis (repeating its first slice). */
function grow(t: Tensor, axes: Iterable<number>): Tensor {
  let y = t;
  for (const a of axes) y = cat([y, narrow(y, a, 0, 1)], a);
  return y;
}

function valueInfo(
  name: string,
  dtype: DType,
  shape: readonly number[],
  dims: Map<number, string>,
): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_TYPE[dtype],
        shape: { dim: shape.map((s, i) => (dims.has(i) ? { dimParam: dims.get(i) } : { dimValue: s })) },
      },
    },
  };
}

function flattenOutputs(out: unknown, acc: Value[] = []): Value[] {
  if (out instanceof Value) acc.push(out);
  else if (Array.isArray(out)) for (const o of out) flattenOutputs(o, acc);
  return acc;
}

/**
 * Exports `module` to an ONNX model (bytes of a ModelProto), tracing its forward on
 * `exampleInputs` (the positional arguments of forward: tensors, tuples of tensors such as
 * LSTM's [h0, c0], and option objects whose tensors, e.g. `attnMask`, become graph inputs).
 * The module runs in eval mode (dropout off, running statistics used) and its mode is
 * restored afterwards. A module without an exporter (e.g. a custom forward) is an error
 * naming it.
 */
export async function exportModel(
  module: Module,
  exampleInputs: readonly unknown[],
  options: ExportOptions = {},
): Promise<Uint8Array> {
  const opset = options.opsetVersion ?? 17;
  if (!Number.isInteger(opset) || opset < 13 || opset > 17) {
    throw new RangeError(`exportModel: opsetVersion must be an integer from 13 to 17, got ${opset}`);
  }
  if (!Array.isArray(exampleInputs)) {
    throw new TypeError('exportModel: exampleInputs must be an array of forward arguments');
  }
  const slots = collectInputs(exampleInputs);
  if (options.inputNames && options.inputNames.length !== slots.length) {
    throw new RangeError(
      `exportModel: inputNames has ${options.inputNames.length} names, but the example inputs hold ${slots.length} tensors`,
    );
  }
  const inNames = slots.map((s, i) => options.inputNames?.[i] ?? s.defaultName);
  const paths = new Map<Module, string>();
  for (const [p, m] of module.namedModules()) if (!paths.has(m)) paths.set(m, p);
  const keys = new Map<Tensor, string>();
  for (const [k, t] of [...module.namedParameters(), ...module.namedBuffers()])
    if (!keys.has(t)) keys.set(t, k);

  const wasTraining = module.training;
  module.eval();
  try {
    const g: Graph = new Graph(opset, (m: Module) => lookupExporter(m, (x) => g.pathOf(x)), paths, keys);
    const inputs: ValueInfoProto[] = [];
    const outputs: ValueInfoProto[] = [];
    tidy(() => {
      const args = replaceTensors(exampleInputs, (t, i) => {
        const dims = axesFor(inNames[i], t.ndim, options.dynamicAxes);
        inputs.push(valueInfo(g.reserve(inNames[i]), t.dtype, t.shape, dims));
        return new Value(inNames[i], t, grow(t, dims.keys()));
      });
      const out = flattenOutputs(g.call(module, args));
      if (out.length === 0) throw new Error(`exportModel: ${module.name} returned no tensor`);
      if (options.outputNames && options.outputNames.length !== out.length) {
        throw new RangeError(
          `exportModel: outputNames has ${options.outputNames.length} names, but ${module.name} returns ${out.length} tensors`,
        );
      }
      out.forEach((v, k) => {
        const name = options.outputNames?.[k] ?? (out.length === 1 ? 'output' : `output${k}`);
        const given = axesFor(name, v.rank, options.dynamicAxes);
        const dims = new Map<number, string>();
        v.shape.forEach((_, a) => {
          if (given.has(a)) dims.set(a, given.get(a) as string);
          else if (v.isDynamic(a)) dims.set(a, `${name}_dim${a}`);
        });
        // An output is its own node's result, never directly an input or another output.
        g.nodes.push({
          opType: 'Identity',
          name: g.fresh('output_node'),
          input: [v.name],
          output: [g.reserve(name)],
        });
        outputs.push(valueInfo(name, v.dtype, v.shape, dims));
      });
    });
    const model: ModelProto = {
      irVersion: IR_VERSION,
      producerName: 'layers',
      producerVersion: '0.1.0',
      opsetImport: [{ domain: '', version: opset }],
      graph: {
        name: options.graphName ?? 'layers',
        node: g.nodes,
        initializer: await g.initializers(),
        input: inputs,
        output: outputs,
      },
    };
    return encodeModel(model);
  } finally {
    module.train(wasTraining);
  }
}
