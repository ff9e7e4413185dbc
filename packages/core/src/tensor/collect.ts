/**
 * The garbage-collection side of the memory model (see packages/core/README.md, "Tensors and
 * memory").
 *
 * Inside ops, modules and backward, core frees every temporary deterministically. What is
 * left are the handles the program itself holds (inputs, logits, the loss), which JavaScript
 * cannot reference count: they join a FinalizationRegistry. Two things keep those bounded in
 * a loop that never disposes:
 *
 * - Finalizers run only in a task of their own, and a loop whose awaits all resolve at once
 *   (readback on CPU and WASM) never gives them one. Readbacks therefore yield one task turn
 *   when handles were handed to the registry since the last turn.
 * - The collector does not know what a handle holds (a wasm offset, a GPU buffer, a typed
 *   array the registry keeps alive), so it can go thousands of steps without collecting.
 *   When the handles waiting for it grow by COLLECT_EVERY (or their bytes by
 *   COLLECT_EVERY_BYTES) since the last request, core asks for a collection where the
 *   platform allows one (Node: `gc` from a fresh V8 context; a page cannot ask).
 */

import type { Node } from '../autograd/node.js';
import type { MemoryStats, Storage } from './storage.js';

/** Handles in the finalization registry and still alive; their bytes. */
let escaped = 0;
let escapedBytes = 0;
/** The counts when collection was last requested (or lower, when handles were freed since). */
let floor = 0;
let floorBytes = 0;
/** Handles registered since the last task turn of a readback. */
let sinceYield = 0;

const COLLECT_EVERY = 256;
const COLLECT_EVERY_BYTES = 256 * 2 ** 20;
/**
 * A full collection costs time in proportion to the heap (0.5 ms on a small one, 400 ms on a
 * 250 MB one), and a minor one does not run finalizers. Where collections are cheap (under
 * CHEAP_MS) core asks every COLLECT_EVERY handles; where they are not, it spaces them to
 * about 1/GC_SHARE of the run, but never lets more than COLLECT_MAX handles (or
 * COLLECT_EVERY_BYTES) wait. The cost is the least of the last few, so a busy machine that
 * stretches one collection's wall time does not stretch the spacing.
 */
const CHEAP_MS = 25;
const GC_SHARE = 20;
// 512, not 2,048: on a loaded machine collections look dear and the spacing let an LSTM loop
// on wasm hold 1,250 waiting handles (peak 1,978) over 10,000 steps; with 512 the same loop
// stays at 214 live tensors and 114 MiB RSS, flat from step 500 (4,000 steps in 21 s).
const COLLECT_MAX = 2 * COLLECT_EVERY;
let lastEnd = Number.NEGATIVE_INFINITY;
const costs: number[] = [];

function estimatedCost(): number {
  return costs.length === 0 ? 0 : Math.min(...costs);
}

type GcFn = () => void;

/** Node's collector, obtained without a command-line flag; null in browsers. */
function findCollector(): GcFn | null {
  const g = globalThis as { gc?: GcFn; process?: { getBuiltinModule?: (id: string) => any } };
  if (typeof g.gc === 'function') return g.gc;
  const load = g.process?.getBuiltinModule;
  if (typeof load !== 'function') return null;
  try {
    // --expose-gc set at run time affects only contexts created afterwards: the function
    // comes from a new context but collects the whole isolate.
    load('v8').setFlagsFromString('--expose-gc');
    const gc = load('vm').runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as GcFn) : null;
  } catch {
    return null;
  }
}

let collector: GcFn | null | undefined;

/**
 * Handles between two count-triggered requests: COLLECT_EVERY, doubled (up to COLLECT_MAX)
 * while requests return little (a program that keeps what it creates, such as a data set
 * loaded as tensors, would otherwise pay a collection every 256 tensors for nothing).
 */
let interval = COLLECT_EVERY;
/** Handles freed (disposed or finalized) since the last request. */
let reclaimedSince = 0;

/** @internal A handle joined the finalization registry, holding `bytes`. */
export function noteEscaped(bytes: number): void {
  escaped++;
  escapedBytes += bytes;
  sinceYield++;
  const pending = escaped - floor;
  if (pending < interval && escapedBytes - floorBytes < COLLECT_EVERY_BYTES) return;
  const urgent = pending >= COLLECT_MAX || escapedBytes - floorBytes >= COLLECT_EVERY_BYTES;
  const cost = estimatedCost();
  if (!urgent && cost >= CHEAP_MS && performance.now() - lastEnd < GC_SHARE * cost) return;
  interval = reclaimedSince < interval / 4 ? Math.min(2 * interval, COLLECT_MAX) : COLLECT_EVERY;
  reclaimedSince = 0;
  floor = escaped;
  floorBytes = escapedBytes;
  collector ??= findCollector();
  if (!collector) return;
  const start = performance.now();
  collector();
  lastEnd = performance.now();
  costs.push(lastEnd - start);
  if (costs.length > 4) costs.shift();
}

/** @internal A registered handle was disposed or finalized. */
export function noteReclaimed(bytes: number): void {
  escaped--;
  escapedBytes -= bytes;
  reclaimedSince++;
  if (escaped < floor) floor = escaped;
  if (escapedBytes < floorBytes) floorBytes = escapedBytes;
}

const turn: () => Promise<void> = (() => {
  const g = globalThis as { setImmediate?: (fn: () => void) => void };
  if (typeof g.setImmediate === 'function') {
    const setImm = g.setImmediate;
    return () => new Promise<void>((resolve) => setImm(resolve));
  }
  if (typeof MessageChannel === 'function') {
    // setTimeout(0) is clamped to 4 ms in browsers; a message is not.
    return () =>
      new Promise<void>((resolve) => {
        const ch = new MessageChannel();
        ch.port1.onmessage = () => {
          ch.port1.close();
          resolve();
        };
        ch.port2.postMessage(null);
      });
  }
  return () => new Promise<void>((resolve) => setTimeout(resolve, 0));
})();

/** @internal Give pending finalizers a task turn, when any handle could be waiting for one. */
export async function yieldToFinalizers(): Promise<void> {
  if (sinceYield === 0) return;
  sinceYield = 0;
  await turn();
}

/** @internal Counts for tests and the soak script. */
export function escapedHandles(): { handles: number; bytes: number } {
  return { handles: escaped, bytes: escapedBytes };
}

/** What the garbage-collection safety net needs to free a handle; never points at the Tensor. */
export interface HandleState {
  storage: Storage;
  node: Node | null;
  stats: MemoryStats;
  disposed: boolean;
  /** In the finalization registry (tensors inside a tidy scope join when they leave it). */
  registered: boolean;
  /** Bytes of the storage when it joined the registry (for the collection budget). */
  bytes: number;
}

export function releaseHandle(h: HandleState): void {
  if (h.disposed) return;
  h.disposed = true;
  if (h.registered) noteReclaimed(h.bytes);
  h.stats.tensors--;
  h.storage.drop();
  if (h.node) h.node.decRef();
  h.node = null;
}

// Safety net: a tensor the program dropped without dispose() frees its memory when collected.
// A finalizer must never throw (it would surface as an uncaught exception far from any
// user code), e.g. when the backend was destroyed before the garbage collector ran.
export const finalizer = new FinalizationRegistry<HandleState>((h) => {
  try {
    releaseHandle(h);
  } catch {
    // The memory is gone with its backend.
  }
});
