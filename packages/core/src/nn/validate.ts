/**
 * Input validation shared by every nn module and F function: tensors where tensors are
 * expected, no unknown option names, no extra positional inputs, and errors reported in the
 * caller's name ("ReLU6: expected a float input, got int32", not the inner op's "hardtanh").
 *
 * A module declares what its forward takes once, as a static `signature`
 * (`static override signature = forwardSignature('input target')`); Module's constructor
 * wraps `forward` so the checks run on every call without per-module code. The wrapper only
 * does a handful of type tests and a try/catch on the hot path.
 */
import { Tensor } from '../tensor/tensor.js';

/** @internal A short description of a value for error messages ("undefined", "a JavaScript array of length 3"). */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (v instanceof Tensor) return `a Tensor of shape [${v.shape.join(', ')}] (${v.dtype})`;
  if (Array.isArray(v)) return `a JavaScript array of length ${v.length} (make a tensor with tensor(...))`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} (make a tensor with tensor(...))`;
  switch (typeof v) {
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof v} ${String(v)}`;
    case 'string':
      return `string '${v.length > 40 ? `${v.slice(0, 40)}...` : v}'`;
    case 'function':
      return 'a function';
    default: {
      const ctor = Object.getPrototypeOf(v)?.constructor;
      return ctor && ctor !== Object ? `an object of class ${ctor.name}` : 'an object';
    }
  }
}

/** Throw unless `x` is a live Tensor: "`owner`: expected `arg` to be a Tensor, got ...". */
export function checkTensor(owner: string, arg: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor))
    throw new TypeError(`${owner}: expected ${arg} to be a Tensor, got ${describeValue(x)}`);
  x._check(owner);
}

/** As checkTensor, but null and undefined (an omitted optional tensor) pass. */
export function checkOptionalTensor(
  owner: string,
  arg: string,
  x: unknown,
): asserts x is Tensor | null | undefined {
  if (x !== null && x !== undefined) checkTensor(owner, arg, x);
}

/** Levenshtein distance, for "did you mean" hints on misspelt option names. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

function isSubsequence(short: string, long: string): boolean {
  let i = 0;
  for (let j = 0; j < long.length && i < short.length; j++) if (long[j] === short[i]) i++;
  return i === short.length;
}

function suggestion(key: string, allowed: readonly string[]): string {
  const k = key.toLowerCase();
  let best: string | null = null;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const a of allowed) {
    const l = a.toLowerCase();
    // Containment ("mask" in "srcMask") reads as a better match than any edit distance.
    // Among containing names the closest in length wins (attnMask over keyPaddingMask).
    // An abbreviation (padIdx for paddingIdx) is a subsequence of the name it abbreviates.
    const contained = l.includes(k) || k.includes(l);
    const score =
      l === k
        ? 0
        : contained
          ? 1 + Math.abs(l.length - k.length) / 100
          : isSubsequence(k, l)
            ? 2
            : editDistance(k, l) + 1;
    if (score < bestScore) {
      best = a;
      bestScore = score;
    }
  }
  return best !== null && bestScore <= 3 ? `; did you mean '${best}'?` : '';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Throw unless `opts` is undefined or a plain object whose keys are all in `allowed`; the
 * error names `owner`, the unknown key and the valid ones. `what` words the argument
 * ("options", "forward options").
 */
export function checkOptions(
  owner: string,
  opts: unknown,
  allowed: readonly string[],
  what = 'options',
): void {
  if (opts === undefined) return;
  const valid = allowed.length ? `valid options: ${allowed.join(', ')}` : `${owner} takes no options`;
  if (!isPlainObject(opts)) {
    throw new TypeError(
      `${owner}: expected ${what} to be an object ({ ... }), got ${describeValue(opts)} (${valid})`,
    );
  }
  for (const key in opts) {
    if (!allowed.includes(key)) {
      throw new TypeError(
        `${owner}: unknown option '${key}' in ${what} (${valid})${suggestion(key, allowed)}`,
      );
    }
  }
}

/** @internal Throw when more than `max` positional arguments were given; `takes` words what is accepted. */
export function checkArity(owner: string, args: { length: number }, max: number, takes: string): void {
  if (args.length > max) {
    throw new TypeError(
      `${owner}: ${takes}, got ${args.length} argument${args.length === 1 ? '' : 's'} (${args.length - max} too many)`,
    );
  }
}

/**
 * What one positional input accepts: a Tensor, an optional Tensor (null/undefined), an
 * optional pair of Tensors (LSTM's [h, c]), or any defined value (Sequential's input).
 */
export type InputKind = 'tensor' | 'optional' | 'pair' | 'any';

/** A module's forward signature, checked on every call (see forwardSignature). */
export interface ForwardSignature {
  /** Positional inputs in order. */
  readonly inputs: readonly {
    /** The input's name in messages (PyTorch's argument name). */
    readonly name: string;
    /** What the input may be. */
    readonly kind: InputKind;
  }[];
  /** Keys of the trailing options object; null when forward takes none. */
  readonly options: readonly string[] | null;
  /** How the arity error words it: "forward takes 2 inputs (input, target)". */
  readonly takes: string;
  /**
   * Report errors from inside forward in the module's name (default). Containers such as
   * Sequential turn it off: their errors come from children, which may be user modules
   * whose messages should reach the user as they were written.
   */
  readonly renameErrors: boolean;
}

/**
 * Describe a forward signature: `inputs` lists names separated by spaces, each a required
 * Tensor, or suffixed `?` (optional Tensor), `?:pair` (optional [Tensor, Tensor]) or `:any`
 * (any value but undefined); `options` lists the keys of a trailing options object.
 * @example forwardSignature('input hx?:pair') // LSTM
 */
export function forwardSignature(
  inputs: string,
  options: readonly string[] | null = null,
  { renameErrors = true }: { renameErrors?: boolean } = {},
): ForwardSignature {
  const list = inputs
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((tok) => {
      const [name, kind] = tok.endsWith('?:pair')
        ? [tok.slice(0, -6), 'pair' as const]
        : tok.endsWith(':any')
          ? [tok.slice(0, -4), 'any' as const]
          : tok.endsWith('?')
            ? [tok.slice(0, -1), 'optional' as const]
            : [tok, 'tensor' as const];
      return { name, kind };
    });
  const n = list.length;
  const takes = `forward takes ${n} input${n === 1 ? '' : 's'} (${list.map((i) => i.name).join(', ')})${options ? ' and an options object' : ''}`;
  return { inputs: list, options, takes, renameErrors };
}

/** @internal Check `args` against `sig` in `owner`'s name (the Module wrapper calls this). */
export function checkForwardArgs(owner: string, sig: ForwardSignature, args: readonly unknown[]): void {
  const n = sig.inputs.length;
  checkArity(owner, args, n + (sig.options ? 1 : 0), sig.takes);
  for (let i = 0; i < n; i++) {
    const { name, kind } = sig.inputs[i];
    const v = args[i];
    if (kind === 'tensor') checkTensor(owner, name, v);
    else if (kind === 'optional') checkOptionalTensor(owner, name, v);
    else if (kind === 'pair') {
      if (v === null || v === undefined) continue;
      if (!Array.isArray(v) || v.length !== 2) {
        throw new TypeError(
          `${owner}: expected ${name} to be a pair [h, c] of Tensors, got ${describeValue(v)}`,
        );
      }
      checkTensor(owner, `${name}[0]`, v[0]);
      checkTensor(owner, `${name}[1]`, v[1]);
    } else if (v === undefined) {
      throw new TypeError(`${owner}: ${sig.takes}, got undefined for ${name}`);
    }
  }
  if (sig.options && args.length > n) checkOptions(owner, args[n], sig.options, 'forward options');
}

// ---- errors in the module's name ------------------------------------------------------------

/** Errors already reported in a module's name, so enclosing modules pass them on unchanged. */
const claimed = new WeakSet<object>();

// A leading op name as core's ops write it: "softmax: ...", "hardtanh expected ...".
const OP_PREFIX = /^[A-Za-z_][\w.]*(?:: | (?=expected ))/;

const BUILTIN_ERRORS = [RangeError, TypeError, SyntaxError, ReferenceError, EvalError, URIError] as const;

/**
 * @internal `e` reworded as `owner`'s: the inner op's name at the start of the message is replaced
 * with `owner` ("hardtanh expected a float input" -> "ReLU6: expected a float input"), the
 * error class is kept and the original is the `cause`. An error a nested module already
 * claimed, or that already starts with `owner`, is returned as it is.
 */
export function inModule(owner: string, e: unknown): unknown {
  if (!(e instanceof Error) || claimed.has(e)) return e;
  const msg = e.message;
  if (msg.startsWith(`${owner}:`) || msg.startsWith(`${owner} `)) {
    claimed.add(e);
    return e;
  }
  const rest = msg.replace(OP_PREFIX, '');
  const Ctor = BUILTIN_ERRORS.find((C) => e.constructor === C) ?? Error;
  const out = new Ctor(`${owner}: ${rest}`, { cause: e });
  claimed.add(out);
  return out;
}

// ---- the forward wrapper ------------------------------------------------------------------

interface WithSignature {
  signature?: ForwardSignature | null;
  prototype: { forward?: unknown };
}

const signatures = new WeakMap<object, ForwardSignature | null>();

/**
 * The signature that describes `ctor`'s forward: the nearest static `signature` up the class
 * chain, used only when the class declaring it has no forward of its own (an abstract base
 * whose subclasses implement it) or the same forward. A user subclass that overrides forward
 * of a built-in layer is thereby not held to the layer's signature.
 */
function signatureOf(ctor: WithSignature): ForwardSignature | null {
  const cached = signatures.get(ctor);
  if (cached !== undefined) return cached;
  let k: WithSignature | null = ctor;
  while (k && !Object.hasOwn(k, 'signature')) k = Object.getPrototypeOf(k);
  const own = k?.prototype.forward;
  const sig = k?.signature && (own === undefined || own === ctor.prototype.forward) ? k.signature : null;
  signatures.set(ctor, sig);
  return sig;
}

/** @internal Called by Module's constructor: wrap forward with the checks of its signature. */
export function bindForward(m: {
  name: string;
  forward: (...args: any[]) => any;
  constructor: unknown;
}): void {
  const sig = signatureOf(m.constructor as WithSignature);
  if (!sig) return;
  const forward = m.forward;
  Object.defineProperty(m, 'forward', {
    value: function checkedForward(this: unknown, ...args: unknown[]) {
      const owner = m.name;
      try {
        checkForwardArgs(owner, sig, args);
        return forward.apply(m, args);
      } catch (e) {
        throw sig.renameErrors ? inModule(owner, e) : e;
      }
    },
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
