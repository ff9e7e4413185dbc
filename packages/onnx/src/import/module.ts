/**
 * importModel: an ONNX model as an nn.Module. Float initializers become Parameters (or
 * buffers, for BatchNormalization's running statistics) registered under their initializer
 * names, split at dots into submodules, so `stateDict()` keys are the PyTorch names that
 * torch.onnx.export kept (`fc1.weight`, `bn.running_mean`, ...) and fine-tuning trains them.
 */

import { type Backend, getBackend, nn, type Tensor, tidy } from '@layers/core';
import { type DecodedModel, decodeModel, type GraphProto, type ValueInfoProto } from '../proto/index.js';
import { Program } from './graph.js';
import { OPS } from './ops/index.js';
import { decodeTensor, num } from './tensor-proto.js';
import { type HostValue, isHost, toDevice } from './values.js';

/** Options for {@link importModel}. */
export interface ImportOptions {
  /** Where the parameters live; defaults to the current backend (`getBackend()`). */
  backend?: Backend;
}

/** A graph input or output as the model declares it. */
export interface OnnxValueInfo {
  /** The ONNX value name. */
  name: string;
  /** The ONNX element type (`float`, `int64`, ...); int64 inputs are given as int32 tensors. */
  elemType: string;
  /** Sizes, with the symbolic name (e.g. `'batch'`) or null for a dynamic dim. */
  shape: (number | string | null)[] | null;
}

/** The opsets whose operator versions the importer implements (torch.onnx.export writes 13-17). */
export const MIN_OPSET = 11;
/** See {@link MIN_OPSET}. */
export const MAX_OPSET = 18;

const ELEM_NAMES: Record<number, string> = {
  1: 'float',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  11: 'double',
  12: 'uint32',
  13: 'uint64',
};

/** A plain node of the parameter tree: it only owns what is registered on it. */
class Scope extends nn.Module {
  forward(): never {
    throw new Error('ONNX import: a parameter scope of an imported model has no forward');
  }
}

function valueInfo(v: ValueInfoProto): OnnxValueInfo {
  const tt = v.type?.tensorType;
  const shape = tt?.shape
    ? (tt.shape.dim ?? []).map((d) =>
        d.dimValue != null && num(d.dimValue) > 0 ? num(d.dimValue) : d.dimParam || null,
      )
    : null;
  return { name: v.name ?? '', elemType: ELEM_NAMES[tt?.elemType ?? 0] ?? `type ${tt?.elemType}`, shape };
}

/**
 * An imported ONNX model. `forward(...inputs)` takes the graph inputs in order (int64
 * inputs as int32 tensors) and returns the single output, or an array of outputs; the
 * initializers are its parameters (see the module comment).
 */
export class OnnxModule extends nn.Module {
  /** The graph inputs (initializers excluded), in forward's argument order. */
  readonly inputs: OnnxValueInfo[];
  /** The graph outputs, in the order forward returns them. */
  readonly outputs: OnnxValueInfo[];
  /** The default-domain opset the model imports. */
  readonly opset: number;
  /** The producer recorded in the file (e.g. `pytorch 1.13.1`). */
  readonly producer: string;
  private readonly program: Program;
  private readonly slots = new Map<string, [nn.Module, string]>();

  /** @internal Use {@link importModel}. */
  constructor(model: DecodedModel, opts: ImportOptions = {}) {
    super();
    const graph = model.graph;
    if (!graph) throw new Error('ONNX import: the model has no graph');
    const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
    this.opset = opset ? num(opset.version) : 1;
    if (this.opset < MIN_OPSET || this.opset > MAX_OPSET) {
      throw new RangeError(
        `ONNX import: the model uses opset ${this.opset}; layers imports opsets ${MIN_OPSET} to ${MAX_OPSET}`,
      );
    }
    this.producer = `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim();
    const backend = opts.backend ?? getBackend();
    const inits = graph.initializer ?? [];
    const initNames = new Set(inits.map((t) => t.name ?? ''));
    this.inputs = (graph.input ?? []).filter((i) => !initNames.has(i.name ?? '')).map(valueInfo);
    this.outputs = (graph.output ?? []).map(valueInfo);
    const stats = this.runningStats(graph);
    const hostOnly = this.hostOnly(graph);
    const constants = new Map<string, HostValue>();
    const paramShapes = new Map<string, readonly number[]>();
    for (const init of inits) {
      const name = init.name ?? '';
      const v = decodeTensor(init, `initializer '${name}'`);
      if ((v.dtype !== 'float32' && v.dtype !== 'float64') || hostOnly.has(name)) {
        constants.set(name, v);
        continue;
      }
      paramShapes.set(name, v.shape);
      this.register(name, toDevice(v, backend, `initializer '${name}'`), stats.has(name));
    }
    const env = { tensor: (n: string) => this.param(n), constants };
    this.program = new Program(
      graph,
      this.opset,
      env,
      paramShapes,
      this.outputs.map((o) => o.name),
    );
  }

  /** Initializers read as BatchNormalization's mean and variance: buffers, as in PyTorch. */
  private runningStats(graph: GraphProto): Set<string> {
    const out = new Set<string>();
    for (const n of graph.node ?? []) {
      if (n.opType === 'BatchNormalization') for (const i of (n.input ?? []).slice(3, 5)) out.add(i);
    }
    return out;
  }

  /** Initializers read only where an op needs host numbers (Resize scales, ...): constants. */
  private hostOnly(graph: GraphProto): Set<string> {
    const host = new Set<string>();
    const device = new Set<string>((graph.output ?? []).map((o) => o.name ?? ''));
    for (const n of graph.node ?? []) {
      const positions = OPS[n.opType ?? '']?.hostInputs ?? [];
      (n.input ?? []).forEach((name, k) => {
        (positions.includes(k) ? host : device).add(name);
      });
    }
    return new Set([...host].filter((name) => !device.has(name)));
  }

  /** Register under the dotted name, creating scopes; a name clashing with a scope stays flat. */
  private register(name: string, t: Tensor, buffer: boolean): void {
    const parts = name.split('.');
    let m: nn.Module = this;
    const ok = parts.every((p) => p.length > 0);
    if (ok) {
      for (const p of parts.slice(0, -1)) {
        const existing = (m as unknown as Record<string, unknown>)[p];
        if (existing instanceof Scope) m = existing;
        else if (existing === undefined) m = m.registerModule(p, new Scope());
        else {
          this.register(name.replaceAll('.', '_'), t, buffer);
          return;
        }
      }
    }
    const leaf = ok ? parts[parts.length - 1] : name.replaceAll('.', '_');
    if ((m as unknown as Record<string, unknown>)[leaf] !== undefined) {
      this.register(`${name}_`, t, buffer);
      return;
    }
    if (buffer) m.registerBuffer(leaf, t);
    else m.registerParameter(leaf, t);
    this.slots.set(name, [m, leaf]);
  }

  /** The current tensor of an initializer (replaced by functionalCall, moved by to()). */
  private param(name: string): Tensor | undefined {
    const slot = this.slots.get(name);
    return slot ? ((slot[0] as unknown as Record<string, Tensor>)[slot[1]] ?? undefined) : undefined;
  }

  /**
   * Run the graph. Inputs are the graph inputs in order ({@link OnnxModule.inputs}); returns
   * the only output, or all outputs in order.
   */
  forward(...inputs: Tensor[]): Tensor | Tensor[] {
    const outs = this.run(inputs);
    return outs.length === 1 ? outs[0] : outs;
  }

  /** Run the graph on inputs by name; returns the outputs by name. */
  forwardNamed(inputs: Record<string, Tensor>): Record<string, Tensor> {
    const missing = this.inputs.filter((i) => !(i.name in inputs)).map((i) => i.name);
    if (missing.length)
      throw new Error(
        `ONNX import: missing input(s) ${missing.join(', ')} (the model takes ${this.inputs.map((i) => i.name).join(', ')})`,
      );
    const outs = this.run(this.inputs.map((i) => inputs[i.name]));
    return Object.fromEntries(this.outputs.map((o, k) => [o.name, outs[k]]));
  }

  private run(inputs: Tensor[]): Tensor[] {
    if (inputs.length !== this.inputs.length) {
      throw new RangeError(
        `ONNX import: the model takes ${this.inputs.length} input(s) (${this.inputs.map((i) => i.name).join(', ')}), got ${inputs.length}`,
      );
    }
    inputs.forEach((t, k) => {
      this.checkInput(this.inputs[k], t);
    });
    const backend = inputs[0]?.backend ?? this.parameters()[0]?.backend ?? getBackend();
    return tidy(() => {
      const get = this.program.run(new Map(this.inputs.map((info, k) => [info.name, inputs[k]])), backend);
      // An output that is a parameter, buffer, input or cached constant (an Identity of it) is
      // returned as a copy, so that disposing the outputs never frees the module's own tensors.
      const owned = new Set<Tensor>([...inputs, ...this.parameters(), ...this.buffers()]);
      return this.outputs.map((o) => {
        const v = get(o.name);
        if (isHost(v)) return toDevice(v, backend, `output '${o.name}'`);
        return owned.has(v) || this.program.isCached(v) ? v.clone() : v;
      });
    });
  }

  private checkInput(info: OnnxValueInfo, t: Tensor): void {
    const want = info.elemType === 'bool' ? 'bool' : /int/.test(info.elemType) ? 'int32' : 'float32';
    if (t.dtype !== want) {
      throw new TypeError(
        `ONNX import: input '${info.name}' is ${info.elemType}, so it expects a ${want} tensor, got ${t.dtype}`,
      );
    }
    if (!info.shape) return;
    const bad =
      info.shape.length !== t.ndim || info.shape.some((d, i) => typeof d === 'number' && d !== t.shape[i]);
    if (bad) {
      throw new RangeError(
        `ONNX import: input '${info.name}' has shape [${info.shape.map((d) => d ?? '?').join(', ')}], got [${t.shape.join(', ')}]`,
      );
    }
  }

  /** A one-line summary. */
  override extraRepr(): string {
    return `opset=${this.opset}, inputs=[${this.inputs.map((i) => i.name).join(', ')}], outputs=[${this.outputs.map((o) => o.name).join(', ')}]`;
  }
}

/**
 * Import an ONNX model (the bytes of a `.onnx` file) as an {@link OnnxModule} that runs on any
 * backend. Unsupported operators are an error listing them; see `supportedOperators()`.
 */
export function importModel(bytes: Uint8Array | ArrayBuffer, opts: ImportOptions = {}): OnnxModule {
  return new OnnxModule(decodeModel(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)), opts);
}
