/**
 * What @jax-js/jax expects from a browser, provided in Node:
 * - a global `Worker` so its wasm backend runs on threads. jax-js builds its worker from a Blob
 *   URL and speaks the DOM worker protocol (`self.onmessage`, `postMessage`); this shim reads
 *   the Blob's source and runs it in a `worker_threads` Worker behind a small adapter.
 * - `navigator.gpu` (the `webgpu` package, as for tfjs-webgpu) with `navigator.userAgent`
 *   beside it, which its WebGPU backend inspects.
 */
import { resolveObjectURL } from 'node:buffer';
import { cpus } from 'node:os';
import { Worker as ThreadWorker } from 'node:worker_threads';

/** Runs inside the thread, before the Blob's source: the DOM names jax-js's worker uses. */
const PRELUDE = `const { parentPort } = require('node:worker_threads');
globalThis.self = globalThis;
globalThis.postMessage = (data) => parentPort.postMessage(data);
parentPort.on('message', (data) => { if (typeof self.onmessage === 'function') self.onmessage({ data }); });
`;

class BlobWorker {
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onerror: ((ev: { message: string }) => void) | null = null;
  private thread: ThreadWorker | null = null;
  private queued: unknown[] = [];
  private terminated = false;

  constructor(url: string | URL) {
    const blob = resolveObjectURL(String(url));
    if (!blob) throw new Error(`jaxjs-node: Worker shim only runs blob: URLs (got ${String(url)})`);
    void blob.text().then((src) => {
      if (this.terminated) return;
      const t = new ThreadWorker(PRELUDE + src, { eval: true });
      t.on('message', (data) => this.onmessage?.({ data }));
      t.on('error', (e) => this.onerror?.({ message: e.message }));
      // Idle workers must not keep the bench process alive.
      t.unref();
      this.thread = t;
      for (const m of this.queued) t.postMessage(m);
      this.queued = [];
    });
  }

  postMessage(data: unknown): void {
    if (this.thread) this.thread.postMessage(data);
    else this.queued.push(data);
  }

  terminate(): void {
    this.terminated = true;
    void this.thread?.terminate();
  }
}

let installed = false;

/** Install `Worker`, `navigator.hardwareConcurrency`, `navigator.userAgent` and (gpu) `navigator.gpu`. */
export async function installJaxNodeGlobals(gpu: boolean): Promise<void> {
  const g = globalThis as unknown as Record<string, unknown> & { navigator?: Record<string, unknown> };
  if (!installed) {
    installed = true;
    if (typeof g.Worker === 'undefined') g.Worker = BlobWorker;
    if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true });
    const nav = g.navigator as Record<string, unknown>;
    for (const [k, v] of [
      ['userAgent', `Node.js/${process.version}`],
      ['hardwareConcurrency', cpus().length],
    ] as const) {
      if (nav[k] === undefined) Object.defineProperty(nav, k, { value: v, configurable: true });
    }
  }
  const nav = g.navigator as Record<string, unknown>;
  if (gpu && !nav.gpu) {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    Object.defineProperty(nav, 'gpu', { value: create([]), configurable: true });
  }
}
