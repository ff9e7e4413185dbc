/**
 * nn.Module: a tree of modules owning parameters and buffers, with PyTorch's state-dict
 * naming (`layers.0.linear1.weight`, `running_mean`, ...) so weights move between the two.
 *
 * JavaScript cannot intercept `this.weight = ...` as Python's __setattr__ does, so layers
 * register what they own (`this.registerParameter('weight', w)`); registration also defines
 * an accessor, so `this.weight` reads and replaces the registered tensor.
 */

import { noGrad } from '../autograd/grad-mode.js';
import type { Backend, DType } from '../backend/contract.js';
import { cast, toBackend } from '../ops/view.js';
import { checkDType, isFloat } from '../tensor/dtype.js';
import { keep } from '../tensor/scope.js';
import { fmtShape, shapeEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { markInt64 } from './state/saved-dtype.js';

/** Why `src` cannot be loaded into `target` under `key`, or null when it can. */
function loadProblem(key: string, src: unknown, target: Tensor): string | null {
  if (!(src instanceof Tensor)) {
    const what = src === null ? 'null' : Array.isArray(src) ? 'an array' : typeof src;
    return `value for ${key} is ${what}, not a Tensor.`;
  }
  if (src.isDisposed) return `the tensor for ${key} was disposed.`;
  if (!shapeEqual(src.shape, target.shape)) {
    return `size mismatch for ${key}: copying a param with shape ${fmtShape(src.shape)} from checkpoint, the shape in current model is ${fmtShape(target.shape)}.`;
  }
  // Between float dtypes the value is rounded into the parameter's dtype, as PyTorch's
  // load_state_dict (param.copy_) does: a float32 checkpoint loads into a half model.
  const lossy =
    src.dtype !== target.dtype &&
    ((isFloat(src.dtype) && !isFloat(target.dtype)) || (src.dtype === 'int32' && target.dtype === 'bool'));
  if (lossy) {
    return `dtype mismatch for ${key}: copying a ${src.dtype} tensor from checkpoint into the ${target.dtype} ${key} of the current model would lose information.`;
  }
  return null;
}

import { bindForward, type ForwardSignature } from './validate.js';

/** Mark a tensor as a trainable parameter: requires grad and outlives tidy scopes. */
export function Parameter(t: Tensor, requiresGrad = true): Tensor {
  keep(t);
  return t.requiresGrad_(requiresGrad);
}

/** What loadStateDict did not match (empty unless `strict: false`, since strict loads throw). */
export interface LoadResult {
  /** Keys of the module that the dict lacked: those tensors kept their values. */
  missingKeys: string[];
  /** Keys of the dict that the module has no tensor for: ignored. */
  unexpectedKeys: string[];
}

/** Named tensors: a module's parameters and persistent buffers by PyTorch's dotted names. */
export type StateDict = Record<string, Tensor>;

/** Options of Module.registerBuffer. */
export interface BufferOptions {
  /** false: not part of stateDict() (PyTorch's persistent=False). Default true. */
  persistent?: boolean;
  /**
   * The dtype PyTorch keeps this buffer in when it is wider than layers' int32: 'int64'
   * (num_batches_tracked). Writers store the buffer in that dtype so files match torch's.
   */
  savedDtype?: 'int64';
}

/**
 * Base class of every layer, like `torch.nn.Module`: a tree of submodules owning parameters
 * and buffers, a `training` flag, and PyTorch's state-dict naming.
 *
 * A subclass registers what it owns in its constructor (JavaScript cannot intercept
 * `this.weight = ...` as Python does) and implements `forward`.
 *
 * @example
 * ```ts
 * class TwoLayer extends nn.Module {
 *   fc1 = this.registerModule('fc1', new nn.Linear(4, 8));
 *   fc2 = this.registerModule('fc2', new nn.Linear(8, 2));
 *   forward(x: Tensor): Tensor {
 *     return this.fc2.forward(this.fc1.forward(x).relu());
 *   }
 * }
 * const net = new TwoLayer();
 * Object.keys(net.stateDict()); // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 * ```
 */
export abstract class Module {
  /**
   * True in training mode (dropout active, batch norm updating its running statistics); set by {@link
   * Module.train} and {@link Module.eval}.
   */
  training = true;
  private readonly _parameters = new Map<string, Tensor | null>();
  private readonly _buffers = new Map<string, Tensor | null>();
  private readonly _nonPersistent = new Set<string>();
  private readonly _int64 = new Set<string>();
  private readonly _modules = new Map<string, Module | null>();

  /** The computation of the layer; each subclass documents its arguments and shapes. */
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

  /**
   * Register `t` as a trainable parameter under `name` (it then requires grad, outlives tidy
   * scopes, appears in `parameters()` and `stateDict()`, and `this[name]` reads and replaces it).
   * `null` registers an absent parameter, e.g. `bias` with `bias: false`. Returns `t`.
   */
  registerParameter(name: string, t: Tensor | null): Tensor | null {
    if (t) Parameter(t);
    this._parameters.set(name, t);
    this.defineAccessor(name, this._parameters);
    return t;
  }

  /**
   * Buffers are state that is not trained (running_mean, num_batches_tracked).
   * `persistent: false` leaves the buffer out of stateDict(); `savedDtype: 'int64'` says
   * PyTorch keeps it in int64 (layers holds int32), so writers such as saveSafetensors
   * store it as int64, as torch does.
   */
  registerBuffer(name: string, t: Tensor | null, opts: BufferOptions = {}): Tensor | null {
    if (t) keep(t);
    this._buffers.set(name, t);
    if (opts.persistent === false) this._nonPersistent.add(name);
    if (opts.savedDtype === 'int64') this._int64.add(name);
    else this._int64.delete(name);
    this.defineAccessor(name, this._buffers);
    return t;
  }

  /**
   * Register a submodule under `name`; its parameters appear as `name.*` in `parameters()` and
   * `stateDict()`. Returns `m`.
   */
  registerModule<M extends Module | null>(name: string, m: M): M {
    this._modules.set(name, m);
    this.defineAccessor(name, this._modules);
    return m;
  }

  // ---- traversal -----------------------------------------------------------------------

  /** Direct submodules with their names, in registration order. */
  *namedChildren(): Generator<[string, Module]> {
    for (const [name, m] of this._modules) if (m) yield [name, m];
  }
  /** Direct submodules, in registration order. */
  children(): Module[] {
    return [...this.namedChildren()].map(([, m]) => m);
  }
  /** This module and every descendant, depth first, with dotted names (`''` for this module, or `prefix`). */
  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [name, m] of this.namedChildren()) yield* m.namedModules(prefix ? `${prefix}.${name}` : name);
  }
  /** This module and every descendant, depth first. */
  modules(): Module[] {
    return [...this.namedModules()].map(([, m]) => m);
  }
  /**
   * Parameters with their dotted names (each tensor once, even when shared); `recurse: false` gives only
   * this module's own.
   */
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
  /**
   * Every parameter (each once), e.g. to give to an optimizer; `recurse: false` gives only this module's
   * own.
   */
  parameters(recurse = true): Tensor[] {
    return [...this.namedParameters('', recurse)].map(([, p]) => p);
  }
  /** Buffers with their dotted names, persistent or not. */
  *namedBuffers(prefix = '', recurse = true): Generator<[string, Tensor]> {
    for (const [modPrefix, m] of recurse ? this.namedModules(prefix) : [[prefix, this] as [string, Module]]) {
      for (const [name, b] of m._buffers) if (b) yield [modPrefix ? `${modPrefix}.${name}` : name, b];
    }
  }
  /** Every buffer, persistent or not. */
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

  /**
   * Set training mode (`true`, the default) or evaluation mode on this module and every descendant. Returns
   * this.
   */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  /** Evaluation mode: the same as `train(false)`. Returns this. */
  eval(): this {
    return this.train(false);
  }
  /** Set `requiresGrad` on every parameter (`false` freezes the module). Returns this. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }
  /** Clear gradients. Like PyTorch 2, the default sets them to null rather than zero. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) {
      if (!p.grad) continue;
      if (opts.setToNone ?? true) p.grad = null;
      // Outside autograd: a gradient from a createGraph backward must not keep its graph alive.
      else p.grad = noGrad(() => p.grad!.mul(0));
    }
  }

  /**
   * Move every parameter and buffer to a backend, and/or convert the floating-point ones
   * (and their gradients) to a float dtype, in place: handles stay valid, as PyTorch's
   * `module.to(device)`, `module.to(dtype)`, `module.to(device, dtype)`. Integer and bool
   * buffers (num_batches_tracked) keep their dtype; a non-float dtype is a TypeError.
   */
  to(target: Backend | DType | { backend?: Backend; dtype?: DType }): this {
    const opts =
      typeof target === 'string'
        ? { dtype: target }
        : 'name' in target
          ? { backend: target as Backend }
          : target;
    const { backend, dtype } = opts as { backend?: Backend; dtype?: DType };
    if (dtype !== undefined && !isFloat(checkDType(dtype, `${this.name}.to`))) {
      throw new TypeError(`${this.name}.to: expected a floating-point dtype, got ${dtype}`);
    }
    noGrad(() => {
      for (const t of [...this.parameters(), ...this.buffers()]) {
        if (backend && t.backend !== backend) t._assign(toBackend(t, backend));
        if (dtype && isFloat(t.dtype) && t.dtype !== dtype) {
          const g = t.grad;
          t._assign(cast(t, dtype));
          if (g) t.grad = cast(g, dtype);
        }
      }
    });
    return this;
  }
  /** Convert floating-point parameters and buffers to float16 in place (torch's `module.half()`). */
  half(): this {
    return this.to({ dtype: 'float16' });
  }
  /** Convert floating-point parameters and buffers to bfloat16 in place. */
  bfloat16(): this {
    return this.to({ dtype: 'bfloat16' });
  }
  /** Convert floating-point parameters and buffers to float32 in place. */
  float(): this {
    return this.to({ dtype: 'float32' });
  }

  // ---- state dicts ---------------------------------------------------------------------

  /** Parameters and persistent buffers by PyTorch's dotted names (the tensors themselves). */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [prefix, m] of this.namedModules()) {
      const p = prefix ? `${prefix}.` : '';
      for (const [name, t] of m._parameters) if (t) out[p + name] = t;
      for (const [name, t] of m._buffers) {
        if (!t || m._nonPersistent.has(name)) continue;
        // Marked here rather than at registration: the buffer may have been replaced since.
        if (m._int64.has(name)) markInt64(t);
        out[p + name] = t;
      }
    }
    return out;
  }

  /**
   * Copy values from `dict` into this module's tensors in place (PyTorch's load_state_dict).
   * Everything is checked before anything changes, so a failed load leaves the module as it
   * was: with `strict` (default), missing and unexpected keys are an error listing them;
   * shape mismatches, values that are not live tensors, and dtype changes that would lose
   * information (float into an int32 or bool buffer, int32 into bool) always are. Values
   * are cast to the module's dtype (an int32 or bool tensor into a float32 parameter) and
   * moved to its backend.
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
      if (!(key in dict)) continue;
      const problem = loadProblem(key, dict[key], target);
      if (problem) problems.push(problem);
    }
    if (problems.length) {
      throw new Error(`Error(s) in loading state_dict for ${this.name}:\n\t${problems.join('\n\t')}`);
    }
    noGrad(() => {
      // Convert everything first (moves between backends and casts can fail, e.g. out of
      // memory); only when all conversions exist is any target overwritten.
      const ready: [Tensor, Tensor, boolean][] = [];
      try {
        for (const [key, target] of Object.entries(own)) {
          const src = dict[key];
          if (!src) continue;
          const moved = src.backend === target.backend ? src : toBackend(src, target.backend);
          const typed = cast(moved, target.dtype);
          if (moved !== src && moved !== typed) moved.dispose();
          ready.push([target, typed, typed !== src]);
        }
      } catch (e) {
        for (const [, typed, owned] of ready) if (owned) typed.dispose();
        throw e;
      }
      for (const [target, typed, owned] of ready) {
        target.backend.copy(typed._view('loadStateDict'), target._view('loadStateDict'));
        if (owned) typed.dispose();
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
