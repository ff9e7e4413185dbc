/**
 * Compiling an ONNX graph into a program of nodes, folding what is known at import, and
 * running it. Values on edges are device tensors or host values (values.ts); a node runs on
 * the host when all its inputs are host values and its op has a host path.
 */

import { type Backend, keep, type Tensor } from '@layers/core';
import type { GraphProto, NodeProto } from '../proto/index.js';
import { Attrs } from './attrs.js';
import { OPS, supportedOperators } from './ops/index.js';
import type { OpContext, OpDef } from './ops/types.js';
import { type HostValue, isHost, toDevice, type Value } from './values.js';

/** @internal One node of the compiled program. */
export interface Step {
  op: OpDef;
  attrs: Attrs;
  inputs: string[];
  outputs: string[];
}

/** @internal Where the interpreter finds initializers (live Parameters) and constants. */
export interface GraphEnv {
  /** Float initializers: read on every run, so swapped or reloaded parameters are seen. */
  tensor(name: string): Tensor | undefined;
  constants: Map<string, HostValue>;
}

function describe(n: NodeProto): string {
  return `${n.opType} node '${n.name || (n.output ?? [])[0] || '?'}'`;
}

/** An error listing every operator of the graph that layers does not implement. */
function checkSupported(nodes: readonly NodeProto[]): void {
  const missing = new Map<string, string[]>();
  for (const n of nodes) {
    const domain = n.domain ?? '';
    const known = (domain === '' || domain === 'ai.onnx') && Object.hasOwn(OPS, n.opType ?? '');
    if (known) continue;
    const key = domain && domain !== 'ai.onnx' ? `${domain}::${n.opType}` : `${n.opType}`;
    missing.set(key, [...(missing.get(key) ?? []), n.name || (n.output ?? [])[0] || '?']);
  }
  if (!missing.size) return;
  const list = [...missing].map(
    ([op, names]) => `${op} (${names.length === 1 ? 'node' : `${names.length} nodes, first`} '${names[0]}')`,
  );
  throw new Error(
    `ONNX import: unsupported operator${missing.size > 1 ? 's' : ''} ${list.join(', ')}. layers supports: ${supportedOperators().join(', ')}`,
  );
}

/** @internal The interpreter's per-node context. */
class Context implements OpContext {
  constructor(
    readonly where: string,
    readonly opset: number,
    readonly backend: Backend,
    private readonly step: { outputs: string[] },
    private readonly used: ReadonlySet<string>,
    private readonly upload: (v: HostValue, what: string) => Tensor,
  ) {}

  get outputCount(): number {
    return this.step.outputs.length;
  }
  outputUsed(i: number): boolean {
    const name = this.step.outputs[i];
    return !!name && this.used.has(name);
  }
  t(v: Value | undefined, what: string): Tensor {
    if (v === undefined) throw new Error(`ONNX import: ${this.where}: required input ${what} is missing`);
    return isHost(v) ? this.upload(v, `input ${what} of ${this.where}`) : v;
  }
  hostOf(v: Value | undefined, what: string): HostValue {
    if (v === undefined) throw new Error(`ONNX import: ${this.where}: required input ${what} is missing`);
    if (isHost(v)) return v;
    throw new Error(
      `ONNX import: ${this.where} needs its input ${what} on the host, but it is computed from tensor data (a data-dependent shape). ` +
        'Reading it would need a synchronous readback from the device, so layers supports only values computed from initializers, constants and Shape outputs.',
    );
  }
  ints(v: Value | undefined, what: string): number[] {
    return [...this.hostOf(v, what).data];
  }
}

/** @internal A compiled graph: the steps left after folding, and the constants folding produced. */
export class Program {
  readonly steps: Step[] = [];
  readonly used = new Set<string>();
  /** Device copies of host constants, per backend, made once and kept. */
  private readonly uploads = new Map<HostValue, Map<Backend, Tensor>>();
  /** The values known at import; only these are worth caching on the device. */
  private readonly constantValues = new Set<HostValue>();

  constructor(
    graph: GraphProto,
    readonly opset: number,
    private readonly env: GraphEnv,
    /** Static shapes of the float initializers, so Shape of a parameter folds at import. */
    paramShapes: ReadonlyMap<string, readonly number[]>,
    outputs: readonly string[],
  ) {
    const nodes = graph.node ?? [];
    checkSupported(nodes);
    const live = this.liveNodes(nodes, outputs);
    for (const n of nodes) {
      if (!live.has(n)) continue;
      const op = OPS[n.opType!];
      const attrs = new Attrs(n.attribute ?? [], describe(n));
      const inputs = [...(n.input ?? [])];
      const outs = [...(n.output ?? [])];
      if (this.fold(op, attrs, inputs, outs, paramShapes)) continue;
      for (const i of inputs) if (i) this.used.add(i);
      this.steps.push({ op, attrs, inputs, outputs: outs });
    }
    for (const o of outputs) this.used.add(o);
    for (const v of this.env.constants.values()) this.constantValues.add(v);
  }

  /** Nodes that some graph output depends on (dead nodes are dropped, never run). */
  private liveNodes(nodes: readonly NodeProto[], outputs: readonly string[]): Set<NodeProto> {
    const producer = new Map<string, NodeProto>();
    for (const n of nodes) for (const o of n.output ?? []) if (o) producer.set(o, n);
    const live = new Set<NodeProto>();
    const stack = [...outputs];
    while (stack.length) {
      const n = producer.get(stack.pop()!);
      if (!n || live.has(n)) continue;
      live.add(n);
      stack.push(...(n.input ?? []).filter((i) => i));
    }
    return live;
  }

  /** Evaluate a node at import when everything it reads is already known. */
  private fold(
    op: OpDef,
    attrs: Attrs,
    inputs: string[],
    outs: string[],
    paramShapes: ReadonlyMap<string, readonly number[]>,
  ): boolean {
    const c = this.env.constants;
    if (!op.host) {
      // Shape and Size of a parameter depend only on its (fixed) shape.
      const shape = paramShapes.get(inputs[0]);
      if (!shape || (op !== OPS.Shape && op !== OPS.Size)) return false;
      const fake: HostValue = { kind: 'host', dtype: 'float32', shape, data: [] };
      const [v] = op.device(
        [fake],
        attrs,
        this.context(attrs.where, { outputs: outs }, null as unknown as Backend),
      );
      c.set(outs[0], v as HostValue);
      return true;
    }
    if (!inputs.every((i) => !i || c.has(i))) return false;
    const ctx = this.context(attrs.where, { outputs: outs }, null as unknown as Backend);
    const res = op.host(
      inputs.map((i) => (i ? c.get(i) : undefined)),
      attrs,
      ctx,
    );
    if (!res) return false;
    res.forEach((v, k) => {
      if (outs[k]) c.set(outs[k], v);
    });
    return true;
  }

  private context(where: string, step: { outputs: string[] }, backend: Backend): Context {
    return new Context(where, this.opset, backend, step, this.used, (v, what) =>
      this.upload(v, what, backend),
    );
  }

  /** True for a device copy of a constant that later runs reuse. */
  isCached(t: Tensor): boolean {
    for (const perBackend of this.uploads.values()) if (perBackend.get(t.backend) === t) return true;
    return false;
  }

  private upload(v: HostValue, what: string, backend: Backend): Tensor {
    if (!this.constantValues.has(v)) return toDevice(v, backend, what);
    let perBackend = this.uploads.get(v);
    if (!perBackend) this.uploads.set(v, (perBackend = new Map()));
    let t = perBackend.get(backend);
    if (!t) perBackend.set(backend, (t = keep(toDevice(v, backend, what))));
    return t;
  }

  /** Run the steps on `inputs` (graph inputs by name); returns every value by name. */
  run(inputs: ReadonlyMap<string, Tensor>, backend: Backend): (name: string) => Value {
    const values = new Map<string, Value>(inputs);
    const lookup = (name: string): Value => {
      const v = values.get(name) ?? this.env.constants.get(name) ?? this.env.tensor(name);
      if (v === undefined)
        throw new Error(
          `ONNX import: the graph reads '${name}', which no node, input or initializer defines`,
        );
      return v;
    };
    for (const step of this.steps) {
      const args = step.inputs.map((i) => (i ? lookup(i) : undefined));
      const ctx = this.context(step.attrs.where, step, backend);
      let out: Value[] | null = null;
      if (step.op.host && args.every((a) => a === undefined || isHost(a))) {
        out = step.op.host(args as (HostValue | undefined)[], step.attrs, ctx);
      }
      out ??= step.op.device(args, step.attrs, ctx);
      step.outputs.forEach((name, k) => {
        if (!name) return;
        if (out![k] === undefined && this.used.has(name)) {
          throw new Error(`ONNX import: ${step.attrs.where} does not produce its output ${k} ('${name}')`);
        }
        if (out![k] !== undefined) values.set(name, out![k]);
      });
    }
    return lookup;
  }
}
