/**
 * createWasmBackend for a given host (see host/): the shared body of the default and the
 * browser entry points.
 */
import type { Backend } from '@layers/core';
import { type Exports, PARALLEL_KERNELS } from './abi.js';
import { Allocator } from './allocator.js';
import { WasmBackend } from './backend.js';
import type { Host } from './host/host.js';
import { KERNEL_FILES, type WasmPaths } from './loader.js';
import { ThreadPool } from './pool.js';
import { checkGiven, compileGiven, loadChosen, type SimdChoice, simdChoice } from './simd.js';

/** Options of createWasmBackend. */
export interface WasmBackendOptions {
  /**
   * Threads used by big kernels, the calling thread included. Default: the number of
   * cores. 1 means no workers. Browsers need `crossOriginIsolated` for more than one.
   */
  threads?: number;
  /** Upper bound of the linear memory in bytes (default and maximum: 4 GiB). */
  maxMemoryBytes?: number;
  /**
   * Where to fetch (or, in Node, read) the kernels from, when the files next to the package's
   * JavaScript are not served: a folder holding `kernels.wasm` and `kernels-st.wasm`, or the
   * URL of each. Needed with esbuild and CDNs; Vite and webpack find them without it.
   */
  wasmPaths?: WasmPaths;
  /**
   * The kernels themselves, compiled or as bytes; nothing is fetched or read (sandboxes
   * without file access, bytes bundled inline). `kernels.wasm` is needed for threads;
   * `kernels-st.wasm` where there is no SharedArrayBuffer; with `threads: 1` either runs.
   */
  wasmModule?: WebAssembly.Module | BufferSource;
  /**
   * Which kernel build runs. `'auto'` (the default): the relaxed-SIMD build (fused
   * multiply-add in matrix products) where the engine runs relaxed SIMD and the file is found,
   * else the baseline SIMD build. `'relaxed'` fails with a clear error where the engine lacks
   * it; `'baseline'` always takes the baseline build. With `wasmModule`, a forced choice must
   * match the module given. `backend.info.simd` says which one runs.
   */
  simd?: SimdChoice;
}

const PAGE = 65536;
const MAX_PAGES = 65536; // must match --maximumMemory in the build script
const DESC_BYTES = 4096;
let warnedIsolation = false;

/** Shared memory needs SharedArrayBuffer, which browsers only give cross-origin isolated pages. */
function sharedMemoryAvailable(host: Host): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  if (!host.node && (globalThis as any).crossOriginIsolated === false) return false;
  return true;
}

/** @internal createWasmBackend on a given host; the two entry points differ only in it. */
export async function createOnHost(host: Host, options: WasmBackendOptions): Promise<WasmBackend & Backend> {
  let threads = Math.max(1, Math.floor(options.threads ?? (await host.cores())));
  if (threads > 1 && !sharedMemoryAvailable(host)) {
    if (!warnedIsolation) {
      warnedIsolation = true;
      console.warn(
        'layers wasm: SharedArrayBuffer is unavailable (page is not crossOriginIsolated); running on one thread. ' +
          'Serve with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp for threads.',
      );
    }
    threads = 1;
  }
  const choice = simdChoice(options.simd);
  let shared = sharedMemoryAvailable(host);
  const module =
    options.wasmModule !== undefined
      ? await compileGiven(options.wasmModule)
      : (await loadChosen(shared, choice, host, options.wasmPaths)).module;
  const maxBytes = Math.min(options.maxMemoryBytes ?? MAX_PAGES * PAGE, MAX_PAGES * PAGE);
  const maximum = Math.max(16, Math.floor(maxBytes / PAGE));
  let memory = newMemory(maximum, shared);
  let instance: WebAssembly.Instance;
  try {
    instance = await instantiate(module, memory);
  } catch (e) {
    if (options.wasmModule === undefined || !(e instanceof WebAssembly.LinkError)) throw e;
    // One thread runs on either build: a given single-thread build gets a plain memory.
    if (threads > 1 || !shared) throw wrongBuild(e, shared);
    shared = false;
    memory = newMemory(maximum, shared);
    instance = await instantiate(module, memory).catch((e2) => {
      throw e2 instanceof WebAssembly.LinkError ? wrongBuild(e2, true) : e2;
    });
  }
  const ex = instance.exports as unknown as Exports;
  // The module says which build it is (builds from before the export are baseline).
  const relaxed = typeof ex.relaxedSimd === 'function' && ex.relaxedSimd() === 1;
  if (options.wasmModule !== undefined) checkGiven(choice, relaxed);
  const allocator = new Allocator(memory, ex.heapBase(), maximum * PAGE);
  const descPtr = allocator.alloc(DESC_BYTES, 'iteration descriptors');
  const scratchPer = Math.ceil(ex.scratchBytes() / 64) * 64;
  const scratchBase = allocator.alloc(scratchPer * threads, 'per-thread scratch');
  ex.setThread(0, scratchBase, scratchPer);
  const pool =
    threads > 1
      ? await ThreadPool.create(threads - 1, host, {
          module,
          memory,
          names: PARALLEL_KERNELS,
          scratchBase,
          scratchPer,
        })
      : null;
  const info = { simd: relaxed ? 'simd128+relaxed' : 'simd128', threads, sharedMemory: shared } as const;
  return new WasmBackend(ex, memory, allocator, pool, threads, descPtr, info);
}

function newMemory(maximum: number, shared: boolean): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 16, maximum, shared } as WebAssembly.MemoryDescriptor);
}

function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<WebAssembly.Instance> {
  return WebAssembly.instantiate(module, {
    env: { memory, hostLog: Math.log, hostCos: Math.cos, hostSin: Math.sin },
  });
}

/** A given module that does not link is the other build (or no kernels): say which one was needed. */
function wrongBuild(e: WebAssembly.LinkError, shared: boolean): Error {
  const want = shared ? KERNEL_FILES.threaded : KERNEL_FILES.singleThread;
  const why = shared
    ? 'threads need the shared-memory build'
    : 'without SharedArrayBuffer only the single-thread build runs';
  return new Error(`layers wasm: wasmModule does not link (${e.message}); ${why}, ${want}`);
}
