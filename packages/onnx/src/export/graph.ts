/**
 * The graph being built while a module is exported: nodes, initialisers and the traced
 * values flowing between modules.
 *
 * Tracing runs every module's forward twice, on the example inputs and on a copy grown by
 * one along each dynamic axis, so each traced Value knows which of its dims are dynamic; an
 * exporter that must bake a size into the graph asks `staticDim` and gets a clear error
 * instead of a model that is silently wrong at other sizes.
 */
import type { DType, nn, Tensor } from '@layers/core';

type Module = nn.Module;

import type { AttributeProto, NodeProto, TensorProto } from '../proto/index.js';
import { AttributeType, TensorDataType } from '../proto/index.js';

/**
 * A traced tensor, as exporters see it: its graph name and the example tensors of both
 * tracing runs (their shapes tell which dims are dynamic).
 */
export class Value {
  /** @internal */
  constructor(
    /** Its name in the ONNX graph. */
    readonly name: string,
    /** The value on the example inputs. */
    readonly ex: Tensor,
    /** The value on the inputs grown along their dynamic axes. */
    readonly ex2: Tensor,
  ) {}
  /** Number of dims. */
  get rank(): number {
    return this.ex.ndim;
  }
  /** Shape in the example run (dynamic dims may differ at run time: see isDynamic). */
  get shape(): readonly number[] {
    return this.ex.shape;
  }
  /** layers dtype. */
  get dtype(): DType {
    return this.ex.dtype;
  }
  /** Whether dim `axis` changed between the two runs, i.e. depends on a dynamic input axis. */
  isDynamic(axis: number): boolean {
    const a = axis < 0 ? axis + this.rank : axis;
    return this.ex.shape[a] !== this.ex2.shape[a];
  }
}

/** A float attribute (plain numbers are written as INT attributes). */
export class FloatAttr {
  /** @internal */
  constructor(
    /** The value. */
    readonly v: number,
  ) {}
}
/** Marks a number as a FLOAT attribute: `g.op('Elu', [x], { alpha: float(1) })`. */
export const float = (v: number): FloatAttr => new FloatAttr(v);

/** Attribute values: number → INT, number[] → INTS, float() → FLOAT, string → STRING, lists of those. */
export type Attr = number | readonly number[] | FloatAttr | readonly FloatAttr[] | string | readonly string[];

/** Builds the ONNX attribute for a value (see Attr). */
function toAttribute(name: string, v: Attr): AttributeProto {
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (v instanceof FloatAttr) return { name, type: AttributeType.FLOAT, f: v.v };
  if (typeof v === 'number') return { name, type: AttributeType.INT, i: v };
  const list = v as readonly (number | FloatAttr | string)[];
  if (list.length > 0 && typeof list[0] === 'string') {
    return {
      name,
      type: AttributeType.STRINGS,
      strings: list.map((x) => new TextEncoder().encode(x as string)),
    };
  }
  if (list.length > 0 && list[0] instanceof FloatAttr) {
    return { name, type: AttributeType.FLOATS, floats: list.map((x) => (x as FloatAttr).v) };
  }
  return { name, type: AttributeType.INTS, ints: list as number[] };
}

/** An initialiser whose data is read from a parameter after tracing. */
interface PendingInit {
  name: string;
  tensor: Tensor;
}

/**
 * How a module class becomes ONNX nodes: given the graph, the module and forward's arguments
 * (with a {@link Value} in place of each tensor), it adds nodes and returns the output names
 * (or Values) in the structure forward returns (null where forward returns null).
 */
export type Exporter<M extends Module = Module> = (g: Graph, m: M, args: unknown[]) => unknown;

/** Finds the exporter for a module (set by the registry, kept out of here to avoid a cycle). @internal */
export type ExporterLookup = (m: Module) => Exporter;

/** The ONNX graph under construction, handed to every {@link Exporter}. */
export class Graph {
  /** @internal */
  readonly nodes: NodeProto[] = [];
  /** @internal */
  readonly pending: PendingInit[] = [];
  private readonly used = new Set<string>();
  private readonly paramNames = new Map<Tensor, string>();
  private readonly views = new Map<string, string>();
  /** Module paths for naming nodes and errors ("encoder.layers.0.self_attn"). */
  private readonly stack: string[] = [];

  /** @internal */
  constructor(
    /** The opset being written (13 to 17). */
    readonly opset: number,
    private readonly lookup: ExporterLookup,
    private readonly paths: Map<Module, string>,
    /** State-dict key of every parameter and buffer of the exported module. */
    private readonly keys: Map<Tensor, string>,
  ) {}

  /** A new unique value name. */
  fresh(base: string): string {
    const prefix = this.stack.length ? `${this.stack[this.stack.length - 1]}/` : '';
    let name = `${prefix}${base}`;
    for (let i = 1; this.used.has(name); i++) name = `${prefix}${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Reserves a name exactly as given (graph inputs and outputs). @internal */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`exportModel: the name '${name}' is used twice`);
    this.used.add(name);
    return name;
  }

  /** Adds a node of the default domain; returns its `outputs` output names. */
  node(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, outputs = 1): string[] {
    const outs = Array.from({ length: outputs }, () => this.fresh(op));
    this.nodes.push({
      opType: op,
      name: this.fresh(`${op}_node`),
      input: [...inputs],
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => toAttribute(k, v)),
    });
    return outs;
  }

  /** Adds a single-output node; returns the output name. */
  op(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}): string {
    return this.node(op, inputs, attrs, 1)[0];
  }

  /** An int64 constant (shapes, axes, pads). */
  ints(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant(TensorDataType.INT64, dims, new BigInt64Array(values.map((v) => BigInt(v))));
  }

  /** A float32 constant. */
  floats(values: readonly number[] | Float32Array, dims: readonly number[] = [values.length]): string {
    return this.constant(TensorDataType.FLOAT, dims, Float32Array.from(values));
  }

  /** A Constant node: initialisers are kept for parameters, so an importer can tell them apart. */
  private constant(dataType: number, dims: readonly number[], raw: BigInt64Array | Float32Array): string {
    const name = this.fresh('const');
    const value: TensorProto = { dims: [...dims], dataType, rawData: new Uint8Array(raw.buffer) };
    this.nodes.push({
      opType: 'Constant',
      name: this.fresh('Constant_node'),
      input: [],
      output: [name],
      attribute: [{ name: 'value', type: AttributeType.TENSOR, t: value }],
    });
    return name;
  }

  /** A float32 scalar constant. */
  scalar(v: number): string {
    return this.floats([v], []);
  }

  /**
   * A parameter or buffer as an initialiser named by its state-dict key (as torch.onnx.export
   * names them, so importModel gives back the same keys), read after tracing; `dims` views it
   * in another shape through a Reshape node. Rearrangements (transposes, gate orders) are
   * nodes on top of it, so every initialiser is a parameter exactly as stored.
   */
  param(t: Tensor, opts: { dims?: readonly number[] } = {}): string {
    if (t.dtype !== 'float32') throw new Error(`exportModel: parameters must be float32, got ${t.dtype}`);
    let name = this.paramNames.get(t);
    if (!name) {
      const key = this.keys.get(t);
      name = key && !this.used.has(key) ? this.reserve(key) : this.fresh('param');
      this.paramNames.set(t, name);
      this.pending.push({ name, tensor: t });
    }
    const dims = opts.dims;
    if (!dims || (dims.length === t.ndim && dims.every((d, i) => d === t.shape[i]))) return name;
    const viewKey = `${name}:${dims.join(',')}`;
    let view = this.views.get(viewKey);
    if (!view) {
      view = this.op('Reshape', [name, this.ints(dims)]);
      this.views.set(viewKey, view);
    }
    return view;
  }

  /** Reads every pending initialiser into a TensorProto (the only readback of the export). @internal */
  async initializers(): Promise<TensorProto[]> {
    const out: TensorProto[] = [];
    for (const p of this.pending) {
      const dtype = p.tensor.dtype;
      if (dtype === 'float16' || dtype === 'bfloat16') {
        // 16-bit floats read back as their bit patterns: written as they are (little-endian).
        const bits = Uint16Array.from((await p.tensor.data()) as Uint16Array);
        const dataType = dtype === 'float16' ? TensorDataType.FLOAT16 : TensorDataType.BFLOAT16;
        out.push({ name: p.name, dims: [...p.tensor.shape], dataType, rawData: new Uint8Array(bits.buffer) });
        continue;
      }
      const copy = Float32Array.from((await p.tensor.data()) as Float32Array);
      out.push({
        name: p.name,
        dims: [...p.tensor.shape],
        dataType: TensorDataType.FLOAT,
        rawData: new Uint8Array(copy.buffer),
      });
    }
    return out;
  }

  /** Throws unless dim `axis` of v is static; returns its size (used when a size is baked in). */
  staticDim(v: Value, axis: number, who: string): number {
    const a = axis < 0 ? axis + v.rank : axis;
    if (v.isDynamic(a)) {
      throw new Error(
        `exportModel: ${who} needs input dim ${a} to be static, but it follows a dynamic axis (size ${v.ex.shape[a]} in the example); remove that axis from dynamicAxes`,
      );
    }
    return v.ex.shape[a];
  }

  /** The path of a module in the exported tree, for error messages. */
  pathOf(m: Module): string {
    const p = this.paths.get(m);
    return p ? `${m.name} ('${p}')` : p === '' ? `${m.name} (the exported module)` : m.name;
  }

  /**
   * Writes m's nodes for these arguments and returns its output with Values in place of
   * tensors (null where forward returns null). Forward runs on both example sets only when the
   * exporter wrote nodes of its own; a composite (Sequential, Transformer, ...) returns its
   * children's Values, which were traced already.
   */
  call(m: Module, args: unknown[]): any {
    const exporter = this.lookup(m);
    const run = (pick: (v: Value) => Tensor) =>
      m.forward(...(args.map((a) => mapValues(a, pick)) as unknown[]));
    this.stack.push(this.paths.get(m) || m.name);
    let names: unknown;
    try {
      names = exporter(this, m, args);
    } catch (e) {
      // On a bad input, layers' own forward error (shapes, channels) says more.
      run((v) => v.ex);
      throw e;
    } finally {
      this.stack.pop();
    }
    if (!hasNames(names)) return names;
    const out = run((v) => v.ex);
    // Without dynamic axes both example sets are the same tensors: one run serves both.
    const out2 = everyValue(args, (v) => v.ex === v.ex2) ? out : run((v) => v.ex2);
    return zipOutputs(names, out, out2, this.pathOf(m));
  }
}

/** Whether an exporter's result names nodes it wrote (strings), not only traced Values. */
function hasNames(r: unknown): boolean {
  if (typeof r === 'string') return true;
  return Array.isArray(r) && r.some(hasNames);
}

function everyValue(a: unknown, pred: (v: Value) => boolean): boolean {
  if (a instanceof Value) return pred(a);
  if (Array.isArray(a)) return a.every((x) => everyValue(x, pred));
  if (a && typeof a === 'object') return Object.values(a).every((x) => everyValue(x, pred));
  return true;
}

/** Maps every Value inside args (arrays and plain objects) through fn. @internal */
export function mapValues(a: unknown, fn: (v: Value) => unknown): unknown {
  if (a instanceof Value) return fn(a);
  if (Array.isArray(a)) return a.map((x) => mapValues(x, fn));
  if (a && typeof a === 'object' && Object.getPrototypeOf(a) === Object.prototype) {
    return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, mapValues(v, fn)]));
  }
  return a;
}

/** Pairs an exporter's output names with forward's tensors. */
function zipOutputs(given: unknown, out: unknown, out2: unknown, who: string): unknown {
  const names = given instanceof Value ? given.name : given;
  if (out === null || out === undefined) return null;
  if (Array.isArray(out)) {
    if (!Array.isArray(names) || names.length !== out.length) {
      throw new Error(`exportModel: internal error, the ${who} exporter's outputs do not match its forward`);
    }
    return out.map((o, i) => zipOutputs(names[i], o, (out2 as unknown[])[i], who));
  }
  if (typeof names !== 'string') {
    throw new Error(`exportModel: internal error, the ${who} exporter gave no output for a tensor`);
  }
  return new Value(names, out as Tensor, out2 as Tensor);
}
