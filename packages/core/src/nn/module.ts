/**
 * nn.Module: a tree of modules owning parameters and buffers, with PyTorch's state-dict
 * naming (`layers.0.linear1.weight`, `running_mean`, ...) so weights move between the two.
 *
 * JavaScript cannot intercept `this.weight = ...` as Python's __setattr__ does, so layers
 * register what they own (`this.registerParameter('weight', w)`); registration also defines
 * an accessor, so `this.weight` reads and replaces the registered tensor.
 */

import { noGrad } from '../autograd/grad-mode.js';
import type { Backend } from '../backend/contract.js';
import { cast, toBackend } from '../ops/view.js';
import { keep } from '../tensor/scope.js';
import { fmtShape, shapeEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { bindForward, type ForwardSignature } from './validate.js';

/** Mark a tensor as a trainable parameter: requires grad and outlives tidy scopes. */
export function Parameter(t: Tensor, requiresGrad = true): Tensor {
  keep(t);
  return t.requiresGrad_(requiresGrad);
}

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export type StateDict = Record<string, Tensor>;

export abstract class Module {
  training = true;
  private readonly _parameters = new Map<string, Tensor | null>();
  private readonly _buffers = new Map<string, Tensor | null>();
  private readonly _nonPersistent = new Set<string>();
  private readonly _modules = new Map<string, Module | null>();

  abstract forward(...args: any[]): any;

  /**
   * What forward takes (see forwardSignature). When set, every call checks its inputs are
   * tensors, that no extra positional input or unknown forward option is given, and reports
   * errors in this module's name. null (the default, for user modules): no checks.
   */
  static signature: ForwardSignature | null = null;

  /** Wraps forward with the checks of the class's `signature`, when it declares one. */
  constructor() {
    bindForward(this);
  }

  /** Class name used in error messages ("Conv2d expected ..."). */
  get name(): string {
    return this.constructor.name;
  }

  // ---- registration --------------------------------------------------------------------

  private defineAccessor(name: string, map: Map<string, unknown>): void {
    if (Object.getOwnPropertyDescriptor(this, name)?.get) return;
    Object.defineProperty(this, name, {
      get: () => map.get(name) ?? null,
      set: (v) => {
        map.set(name, v);
        if (v && map !== (this._modules as Map<string, unknown>)) keep(v as Tensor);
      },
      enumerable: true,
      configurable: true,
    });
  }

  registerParameter(name: string, t: Tensor | null): Tensor | null {
    if (t) Parameter(t);
    this._parameters.set(name, t);
    this.defineAccessor(name, this._parameters);
    return t;
  }

  /** Buffers are state that is not trained (running_mean, num_batches_tracked). */
  registerBuffer(name: string, t: Tensor | null, opts: { persistent?: boolean } = {}): Tensor | null {
    if (t) keep(t);
    this._buffers.set(name, t);
    if (opts.persistent === false) this._nonPersistent.add(name);
    this.defineAccessor(name, this._buffers);
    return t;
  }

  registerModule<M extends Module | null>(name: string, m: M): M {
    this._modules.set(name, m);
    this.defineAccessor(name, this._modules);
    return m;
  }

  // ---- traversal -----------------------------------------------------------------------

  *namedChildren(): Generator<[string, Module]> {
    for (const [name, m] of this._modules) if (m) yield [name, m];
  }
  children(): Module[] {
    return [...this.namedChildren()].map(([, m]) => m);
  }
  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [name, m] of this.namedChildren()) yield* m.namedModules(prefix ? `${prefix}.${name}` : name);
  }
  modules(): Module[] {
    return [...this.namedModules()].map(([, m]) => m);
  }
  *namedParameters(prefix = '', recurse = true): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    for (const [modPrefix, m] of recurse ? this.namedModules(prefix) : [[prefix, this] as [string, Module]]) {
      for (const [name, p] of m._parameters) {
        if (!p || seen.has(p)) continue;
        seen.add(p);
        yield [modPrefix ? `${modPrefix}.${name}` : name, p];
      }
    }
  }
  parameters(recurse = true): Tensor[] {
    return [...this.namedParameters('', recurse)].map(([, p]) => p);
  }
  *namedBuffers(prefix = '', recurse = true): Generator<[string, Tensor]> {
    for (const [modPrefix, m] of recurse ? this.namedModules(prefix) : [[prefix, this] as [string, Module]]) {
      for (const [name, b] of m._buffers) if (b) yield [modPrefix ? `${modPrefix}.${name}` : name, b];
    }
  }
  buffers(recurse = true): Tensor[] {
    return [...this.namedBuffers('', recurse)].map(([, b]) => b);
  }

  /** Call fn on every submodule (children first) and on this module. */
  apply(fn: (m: Module) => void): this {
    for (const m of this.children()) m.apply(fn);
    fn(this);
    return this;
  }

  // ---- modes ---------------------------------------------------------------------------

  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  eval(): this {
    return this.train(false);
  }
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }
  /** Clear gradients. Like PyTorch 2, the default sets them to null rather than zero. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) {
      if (!p.grad) continue;
      if (opts.setToNone ?? true) p.grad = null;
      else p.grad = p.grad.mul(0);
    }
  }

  /** Move every parameter and buffer to `backend`, in place (handles stay valid). */
  to(backend: Backend): this {
    noGrad(() => {
      for (const t of [...this.parameters(), ...this.buffers()]) {
        if (t.backend !== backend) t._assign(toBackend(t, backend));
      }
    });
    return this;
  }

  // ---- state dicts ---------------------------------------------------------------------

  /** Parameters and persistent buffers by PyTorch's dotted names (the tensors themselves). */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [prefix, m] of this.namedModules()) {
      const p = prefix ? `${prefix}.` : '';
      for (const [name, t] of m._parameters) if (t) out[p + name] = t;
      for (const [name, t] of m._buffers) if (t && !m._nonPersistent.has(name)) out[p + name] = t;
    }
    return out;
  }

  /**
   * Copy values from `dict` into this module's tensors in place. With `strict` (default),
   * missing and unexpected keys are an error listing them; shape mismatches always are.
   */
  loadStateDict(dict: Record<string, Tensor>, opts: { strict?: boolean } = {}): LoadResult {
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in dict));
    const unexpectedKeys = Object.keys(dict).filter((k) => !(k in own));
    const problems: string[] = [];
    if (strict && missingKeys.length)
      problems.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
    if (strict && unexpectedKeys.length) {
      problems.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
    }
    for (const [key, target] of Object.entries(own)) {
      const src = dict[key];
      if (src && !shapeEqual(src.shape, target.shape)) {
        problems.push(
          `size mismatch for ${key}: copying a param with shape ${fmtShape(src.shape)} from checkpoint, the shape in current model is ${fmtShape(target.shape)}.`,
        );
      }
    }
    if (problems.length) {
      throw new Error(`Error(s) in loading state_dict for ${this.name}:\n\t${problems.join('\n\t')}`);
    }
    noGrad(() => {
      for (const [key, target] of Object.entries(own)) {
        const src = dict[key];
        if (!src) continue;
        const moved = src.backend === target.backend ? src : toBackend(src, target.backend);
        const typed = cast(moved, target.dtype);
        target.backend.copy(typed._view('loadStateDict'), target._view('loadStateDict'));
        if (typed !== src) typed.dispose();
        if (moved !== src && moved !== typed) moved.dispose();
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /** @internal Swap the tensor registered at a dotted path; returns the previous one. */
  _swapTensor(path: string, t: Tensor): Tensor | null {
    const parts = path.split('.');
    const leaf = parts.pop()!;
    let m: Module = this;
    for (const p of parts) {
      const next = m._modules.get(p);
      if (!next)
        throw new Error(`functionalCall: ${this.name} has no submodule "${parts.join('.')}" (key "${path}")`);
      m = next;
    }
    const map = m._parameters.has(leaf) ? m._parameters : m._buffers.has(leaf) ? m._buffers : null;
    if (!map) throw new Error(`functionalCall: ${this.name} has no parameter or buffer "${path}"`);
    const prev = map.get(leaf) ?? null;
    map.set(leaf, t);
    return prev;
  }

  /** A one-line-per-module summary, like printing a PyTorch model. */
  toString(): string {
    const lines = [...this.namedChildren()].map(
      ([n, m]) => `  (${n}): ${m.toString().replace(/\n/g, '\n  ')}`,
    );
    const extra = this.extraRepr();
    return lines.length ? `${this.name}(${extra}\n${lines.join('\n')}\n)` : `${this.name}(${extra})`;
  }
  /** Override to describe constructor arguments in toString(). */
  extraRepr(): string {
    return '';
  }
}

/**
 * Run `module.forward(...args)` with some parameters or buffers replaced by the given
 * tensors (torch.func.functional_call), restoring the originals afterwards. Gradients
 * flow to the given tensors.
 */
export function functionalCall<R>(module: Module, tensors: Record<string, Tensor>, ...args: unknown[]): R {
  const previous: [string, Tensor | null][] = [];
  try {
    for (const [path, t] of Object.entries(tensors)) previous.push([path, module._swapTensor(path, t)]);
    return module.forward(...args) as R;
  } finally {
    for (const [path, t] of previous.reverse()) module._swapTensor(path, t as Tensor);
  }
}
