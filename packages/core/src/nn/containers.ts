import { tidy } from '../tensor/scope.js';
import { Module } from './module.js';
import { describeValue, forwardSignature } from './validate.js';

/** A container's element must be a Module (a stray tensor or function would fail much later). */
function checkModule(owner: string, what: string, m: unknown): void {
  if (!(m instanceof Module))
    throw new TypeError(`${owner}: ${what} must be a Module, got ${describeValue(m)}`);
}

/** Runs its modules in order, feeding each one's output to the next. Keys are "0", "1", ... */
export class Sequential extends Module {
  /** One value in (any: the first module checks it), one out; a second input is an error. */
  static override signature = forwardSignature('input:any', null, { renameErrors: false });
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      checkModule(this.name, `argument ${i}`, m);
      this.registerModule(String(i), m);
    });
  }
  /** Number of modules. */
  get length(): number {
    return this.children().length;
  }
  /** The module at position `i` (negative counts from the end); throws when out of range. */
  at(i: number): Module {
    const list = this.children();
    const m = list[i < 0 ? i + list.length : i];
    if (!m) throw new RangeError(`Sequential: index ${i} is out of range (length ${list.length})`);
    return m;
  }
  /** Add a module at the end (key `String(length)`). Returns this. */
  append(m: Module): this {
    checkModule(this.name, 'the appended value', m);
    this.registerModule(String(this.length), m);
    return this;
  }
  forward(x: unknown): any {
    // The outputs between children are seen by no one but the next child: free them when
    // the call returns (autograd holds its own handles on what backward needs).
    return tidy(() => {
      let out = x;
      for (const m of this.children()) out = m.forward(out);
      return out;
    });
  }
  /** The modules in order. */
  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }
}

/** A list of submodules whose parameters are registered (keys "0", "1", ...). */
export class ModuleList<M extends Module = Module> extends Module {
  constructor(modules: Iterable<M> = []) {
    super();
    if (typeof (modules as Partial<Iterable<M>>)?.[Symbol.iterator] !== 'function') {
      throw new TypeError(`${this.name}: expected an iterable of Modules, got ${describeValue(modules)}`);
    }
    for (const m of modules) this.append(m);
  }
  /** Number of modules. */
  get length(): number {
    return this.children().length;
  }
  /** The module at position `i` (negative counts from the end); throws when out of range. */
  at(i: number): M {
    const list = this.children() as M[];
    const m = list[i < 0 ? i + list.length : i];
    if (!m) throw new RangeError(`ModuleList: index ${i} is out of range (length ${list.length})`);
    return m;
  }
  /** Add a module at the end (key `String(length)`). Returns this. */
  append(m: M): this {
    checkModule(this.name, `element ${this.length}`, m);
    this.registerModule(String(this.length), m);
    return this;
  }
  /** The modules in order. */
  [Symbol.iterator](): Iterator<M> {
    return (this.children() as M[])[Symbol.iterator]();
  }
  forward(): never {
    throw new Error('ModuleList is not callable; iterate over it and call each module');
  }
}

/** Submodules by name, in insertion order. */
export class ModuleDict<M extends Module = Module> extends Module {
  constructor(modules: Record<string, M> = {}) {
    super();
    if (typeof modules !== 'object' || modules === null || modules instanceof Module) {
      throw new TypeError(`${this.name}: expected an object of named Modules, got ${describeValue(modules)}`);
    }
    for (const [k, m] of Object.entries(modules)) this.set(k, m);
  }
  /** Register `m` under `key` (replacing any module there). Returns this. */
  set(key: string, m: M): this {
    checkModule(this.name, `entry '${key}'`, m);
    this.registerModule(key, m);
    return this;
  }
  /** The module under `key`, or undefined. */
  get(key: string): M | undefined {
    return Object.fromEntries(this.namedChildren())[key] as M | undefined;
  }
  /** Whether a module is registered under `key`. */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }
  /** The keys, in insertion order. */
  keys(): string[] {
    return [...this.namedChildren()].map(([k]) => k);
  }
  /** `[key, module]` pairs, in insertion order. */
  entries(): [string, M][] {
    return [...this.namedChildren()] as [string, M][];
  }
  forward(): never {
    throw new Error('ModuleDict is not callable; look a module up and call it');
  }
}
