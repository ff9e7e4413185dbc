import type { Tensor } from './tensor.js';

/**
 * tidy() scopes: every tensor handle created while a scope is open is tracked by the
 * innermost scope; when the scope closes, the ones not returned (and not kept) are disposed.
 */
const scopes: Set<Tensor>[] = [];

export function trackTensor(t: Tensor): void {
  if (scopes.length > 0) scopes[scopes.length - 1].add(t);
}

export function untrackTensor(t: Tensor): void {
  for (const s of scopes) s.delete(t);
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
 * `fn` must be synchronous: an await would let other code's tensors into this scope.
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
  const kept = new Set<Tensor>();
  collect(result, kept, new Set(), tensorCheck);
  for (const t of scope) if (!kept.has(t)) t.dispose();
  for (const t of kept) if (scope.has(t)) trackTensor(t);
  return result;
}
