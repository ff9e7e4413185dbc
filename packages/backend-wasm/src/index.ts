/**
 * @layers/backend-wasm: WebAssembly SIMD kernels with a worker-thread pool.
 *
 *   import { createWasmBackend } from '@layers/backend-wasm';
 *   setBackend(await createWasmBackend({ threads: 4 }));
 *
 * @packageDocumentation
 */
import type { Backend } from '@layers/core';
import { Allocator } from './allocator.js';
import { type Exports, PARALLEL_KERNELS, WasmBackend } from './backend.js';
import { loadKernels } from './loader.js';
import { ThreadPool } from './pool.js';

/** Options of {@link createWasmBackend}. */
export interface WasmBackendOptions {
  /**
   * Threads used by big kernels, the calling thread included. Default: the number of
   * cores. 1 means no workers. Browsers need `crossOriginIsolated` for more than one.
   */
  threads?: number;
  /** Upper bound of the linear memory in bytes (default and maximum: 4 GiB). */
  maxMemoryBytes?: number;
}

export type { WasmBackend } from './backend.js';

const PAGE = 65536;
const MAX_PAGES = 65536; // must match --maximumMemory in the build script
const DESC_BYTES = 4096;
let warnedIsolation = false;

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

async function defaultThreads(): Promise<number> {
  if (isNode) {
    const os = await import('node:os');
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  const nav = (globalThis as any).navigator;
  return nav?.hardwareConcurrency ?? 1;
}

/** Shared memory needs SharedArrayBuffer, which browsers only give cross-origin isolated pages. */
function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  if (!isNode && (globalThis as any).crossOriginIsolated === false) return false;
  return true;
}

/**
 * The WebAssembly SIMD backend: tensors live in one `WebAssembly.Memory`, and large kernels
 * are split over a pool of worker threads sharing it. `dataSync()` works. More than one
 * thread needs SharedArrayBuffer, which browsers give only cross-origin isolated pages
 * (COOP/COEP headers); without it the backend warns once and runs on one thread.
 * Call `destroy()` to stop the workers.
 *
 * @example
 * ```ts
 * import { setBackend } from '@layers/core';
 * import { createWasmBackend } from '@layers/backend-wasm';
 *
 * const wasm = await createWasmBackend({ threads: 4 });
 * setBackend(wasm);
 * // ... train ...
 * wasm.destroy(); // ends the worker threads, so Node can exit
 * ```
 */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend & Backend> {
  let threads = Math.max(1, Math.floor(options.threads ?? (await defaultThreads())));
  if (threads > 1 && !sharedMemoryAvailable()) {
    if (!warnedIsolation) {
      warnedIsolation = true;
      console.warn(
        'layers wasm: SharedArrayBuffer is unavailable (page is not crossOriginIsolated); running on one thread. ' +
          'Serve with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp for threads.',
      );
    }
    threads = 1;
  }
  const shared = sharedMemoryAvailable();
  const module = await loadKernels(shared);
  const maxBytes = Math.min(options.maxMemoryBytes ?? MAX_PAGES * PAGE, MAX_PAGES * PAGE);
  const maximum = Math.max(16, Math.floor(maxBytes / PAGE));
  const memory = new WebAssembly.Memory({ initial: 16, maximum, shared } as WebAssembly.MemoryDescriptor);
  const imports = { env: { memory, hostLog: Math.log, hostCos: Math.cos, hostSin: Math.sin } };
  const instance = await WebAssembly.instantiate(module, imports);
  const ex = instance.exports as unknown as Exports;
  const allocator = new Allocator(memory, ex.heapBase(), maximum * PAGE);
  const descPtr = allocator.alloc(DESC_BYTES, 'iteration descriptors');
  const scratchPer = Math.ceil(ex.scratchBytes() / 64) * 64;
  const scratchBase = allocator.alloc(scratchPer * threads, 'per-thread scratch');
  ex.setThread(0, scratchBase, scratchPer);
  const pool =
    threads > 1
      ? await ThreadPool.create(threads - 1, {
          module,
          memory,
          names: PARALLEL_KERNELS,
          scratchBase,
          scratchPer,
        })
      : null;
  return new WasmBackend(ex, memory, allocator, pool, threads, descPtr);
}
