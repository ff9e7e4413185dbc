import type { Tensor } from './tensor.js';

/**
 * tidy() scopes: every tensor handle created while a scope is open is tracked by the
 * innermost scope; when the scope closes, the ones not returned (and not kept) are disposed.
 */
const scopes: Set<Tensor>[] = [];

/**
 * Called when a tracked tensor leaves the last scope alive (kept, returned from the outermost
 * tidy, or untracked). A tensor inside a scope needs no garbage-collection safety net, since
 * the scope disposes it; tensor.ts registers one here (registering every temporary was the
 * largest cost of a small op).
 */
let onEscape: (t: Tensor) => void = () => {};
export function setEscapeHook(fn: (t: Tensor) => void): void {
  onEscape = fn;
}

/** Track `t` in the innermost scope; false when no scope is open. */
export function trackTensor(t: Tensor): boolean {
  if (scopes.length === 0) return false;
  scopes[scopes.length - 1].add(t);
  return true;
}

/** Drop `t` from every scope (it is being disposed). */
export function forgetTensor(t: Tensor): void {
  for (const s of scopes) s.delete(t);
}

/** Drop `t` from every scope: it now lives until disposed or collected. */
export function untrackTensor(t: Tensor): void {
  forgetTensor(t);
  onEscape(t);
}

/** Exclude `t` from every open tidy scope, so it outlives them. Returns `t`. */
export function keep<T extends Tensor>(t: T): T {
  untrackTensor(t);
  return t;
}

function collect(
  value: unknown,
  into: Set<Tensor>,
  seen: Set<unknown>,
  isTensor: (v: unknown) => v is Tensor,
) {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (isTensor(value)) {
    into.add(value);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, into, seen, isTensor);
  else if (value instanceof Map) for (const v of value.values()) collect(v, into, seen, isTensor);
  else if (Object.getPrototypeOf(value) === Object.prototype)
    for (const v of Object.values(value)) collect(v, into, seen, isTensor);
}

let tensorCheck: (v: unknown) => v is Tensor = (_v): _v is Tensor => false;
export function setTensorCheck(fn: (v: unknown) => v is Tensor): void {
  tensorCheck = fn;
}

/**
 * Run `fn`, then dispose every tensor it created except those in its result (a tensor, or
 * arrays / plain objects / Maps of tensors), which move to the enclosing scope.
 * `fn` must be synchronous: an await would let other code's tensors into this scope, so a
 * returned Promise is an error. Parameters, optimizer state and assigned gradients are kept
 * automatically; use {@link keep} for anything else that must outlive the scope.
 *
 * @example
 * ```ts
 * for (let step = 0; step < 100; step++) {
 *   const loss = tidy(() => {
 *     opt.zeroGrad();
 *     const l = lossFn.forward(model.forward(x), y); // every intermediate is freed...
 *     l.backward();
 *     opt.step();
 *     return l;                                      // ...except the returned loss
 *   });
 *   console.log(await loss.item());
 *   loss.dispose();
 * }
 * ```
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    throw new TypeError('tidy: the function must be synchronous (it returned a Promise)');
  }
  if (tensorCheck(result)) {
    // One tensor, what almost every op returns: no kept/seen sets (tidy runs inside most
    // ops, so this is on the per-op path).
    for (const t of scope) if (t !== result) t.dispose();
    if (scope.has(result) && !trackTensor(result)) onEscape(result);
    return result;
  }
  const kept = new Set<Tensor>();
  collect(result, kept, new Set(), tensorCheck);
  for (const t of scope) if (!kept.has(t)) t.dispose();
  for (const t of kept) if (scope.has(t) && !trackTensor(t)) onEscape(t);
  return result;
}
