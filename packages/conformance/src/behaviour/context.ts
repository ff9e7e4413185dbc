/** Shared plumbing for the behaviour tests (the non-fixture half of the suite). */
import * as L from '@layers/core';
import { expect, it } from 'vitest';
import type { Recorder } from '../report.js';

export interface SuiteContext {
  name: string;
  recorder: Recorder;
  /** The backend created in beforeAll (throws before it exists). */
  backend(): L.Backend;
  createBackend: () => Promise<L.Backend>;
  isSkipped(...keys: string[]): boolean;
  /** For the no-GC fallback of the memory test: how a child process can import the backend. */
  backendModule?: { specifier: string; factory: string };
  /** Steps of the no-tidy soak loops (default 1,500); a slow device may run fewer. */
  soakSteps?: number;
}

/**
 * Register one behaviour test, recorded in the coverage matrix under `behaviour/<group>`.
 * Skippable by 'behaviour', 'behaviour/<group>' or 'behaviour/<group>/<title>'. `timeoutMs`
 * overrides the runner's per-test timeout for a long behaviour (the memory soak).
 */
export function check(
  ctx: SuiteContext,
  group: string,
  title: string,
  fn: () => Promise<void> | void,
  /** Milliseconds, for tests that may outlast the runner's default (soak loops, large differential programs). */
  timeoutMs?: number,
): void {
  const key = `behaviour/${group}`;
  const full = `${key}/${title}`;
  if (ctx.isSkipped('behaviour', key, full)) {
    it.skip(title, () => {});
    ctx.recorder.skip(key);
    return;
  }
  it(
    title,
    async () => {
      try {
        await fn();
        ctx.recorder.record(key, full, { ok: true, ratio: 0 });
      } catch (e) {
        ctx.recorder.record(key, full, { ok: false, ratio: Number.POSITIVE_INFINITY, messages: [String(e)] });
        throw e;
      }
    },
    timeoutMs,
  );
}

/** Assert that `fn` throws an error whose message contains every fragment. */
export function expectThrows(fn: () => unknown, ...fragments: (string | RegExp)[]): Error {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  if (!(err instanceof Error))
    throw new Error(`expected an error mentioning ${fragments.join(', ')}; nothing was thrown`);
  for (const f of fragments) {
    const hit = typeof f === 'string' ? err.message.includes(f) : f.test(err.message);
    if (!hit) throw new Error(`error message "${err.message}" does not mention ${String(f)}`);
  }
  return err;
}

export async function values(t: L.Tensor): Promise<number[]> {
  return Array.from(await t.data(), Number);
}

export function assertClose(actual: number, expected: number, tol: number, what: string): void {
  if (!(Math.abs(actual - expected) <= tol)) {
    throw new Error(`${what}: expected ${expected} ± ${tol}, got ${actual}`);
  }
}

export function assertArrayClose(actual: number[], expected: number[], tol: number, what: string): void {
  if (actual.length !== expected.length) {
    throw new Error(`${what}: expected ${expected.length} values, got ${actual.length}`);
  }
  for (let i = 0; i < actual.length; i++) assertClose(actual[i], expected[i], tol, `${what}[${i}]`);
}

/**
 * Run `fn` with the backend's fused kernel `name` hidden, so core's composed fallback runs.
 * Returns false (without running fn) when the backend has no such kernel or cannot hide it.
 */
export async function withoutFused(
  backend: L.Backend,
  name: keyof L.FusedKernels,
  fn: () => Promise<void>,
): Promise<boolean> {
  const fused = backend.fused as Record<string, unknown>;
  const kernel = fused[name];
  if (kernel === undefined) return false;
  try {
    fused[name] = undefined;
  } catch {
    return false; // frozen: the fallback cannot be forced on this backend
  }
  try {
    await fn();
  } finally {
    fused[name] = kernel;
  }
  return true;
}

/**
 * Run `fn` on the backend's fused kernel `name` and again with it hidden, checking through
 * L.pathLog that each run took the path it should. Returns both results, or null when the
 * backend has no such kernel (then the one run was the fallback, which is checked).
 */
export async function fusedAndFallback<T>(
  backend: L.Backend,
  name: keyof L.FusedKernels,
  fn: () => Promise<T>,
): Promise<{ fused: T; fallback: T } | null> {
  L.pathLog.reset();
  const fused = await fn();
  const usedKernel = L.pathLog.fused().includes(name);
  let fallback: T | undefined;
  const ran = await withoutFused(backend, name, async () => {
    fallback = await fn();
    expect(L.pathLog.fallback()).toContain(name);
  });
  if (!ran) {
    expect(usedKernel).toBe(false);
    expect(L.pathLog.fallback()).toContain(name);
    return null;
  }
  expect(usedKernel).toBe(true);
  return { fused, fallback: fallback as T };
}
