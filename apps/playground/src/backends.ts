/** Which backends this browser can run, and creating them on demand. */
import type { Backend } from '@layers/core';

export type BackendName = 'webgpu' | 'wasm' | 'cpu';

export interface Support {
  name: BackendName;
  available: boolean;
  /** What was found (adapter, thread count) or why the backend is unavailable. */
  detail: string;
}

/** A module using one SIMD instruction; the WASM kernels are compiled with SIMD. */
const SIMD_PROBE = 'AGFzbQEAAAABBQFgAAF7AwIBAAoKAQgAQQD9D/1iCw==';

/** Threads the WASM backend gets: workers need SharedArrayBuffer, which needs isolation. */
export function wasmThreads(): number {
  if (!globalThis.crossOriginIsolated || typeof SharedArrayBuffer === 'undefined') return 1;
  return Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1));
}

async function detectWebGPU(): Promise<Support> {
  if (!navigator.gpu) {
    return {
      name: 'webgpu',
      available: false,
      detail: 'navigator.gpu is missing (WebGPU disabled or unsupported)',
    };
  }
  try {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter)
      return { name: 'webgpu', available: false, detail: 'no adapter (requestAdapter returned null)' };
    const info = adapter.info;
    const what = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'adapter';
    const fallback = (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter;
    return { name: 'webgpu', available: true, detail: fallback ? `${what} (software)` : what };
  } catch (e) {
    return { name: 'webgpu', available: false, detail: `requestAdapter failed: ${(e as Error).message}` };
  }
}

function detectWasm(): Support {
  if (typeof WebAssembly === 'undefined') return { name: 'wasm', available: false, detail: 'no WebAssembly' };
  const probe = Uint8Array.from(atob(SIMD_PROBE), (c) => c.charCodeAt(0));
  if (!WebAssembly.validate(probe)) return { name: 'wasm', available: false, detail: 'no WebAssembly SIMD' };
  const threads = wasmThreads();
  const detail =
    threads > 1
      ? `SIMD, ${threads} threads (cross-origin isolated)`
      : 'SIMD, 1 thread (page is not cross-origin isolated: no SharedArrayBuffer)';
  return { name: 'wasm', available: true, detail };
}

export async function detectBackends(): Promise<Support[]> {
  return [await detectWebGPU(), detectWasm(), { name: 'cpu', available: true, detail: 'plain TypeScript' }];
}

const created = new Map<BackendName, Promise<Backend>>();

/** One instance per backend for the page's lifetime; each module loads only when picked. */
export function getBackendInstance(name: BackendName): Promise<Backend> {
  let p = created.get(name);
  if (!p) {
    p = (async () => {
      switch (name) {
        case 'cpu':
          return (await import('@layers/backend-cpu')).createCpuBackend();
        case 'wasm':
          return (await import('@layers/backend-wasm')).createWasmBackend({ threads: wasmThreads() });
        case 'webgpu':
          return (await import('@layers/backend-webgpu')).createWebGPUBackend();
      }
    })();
    p.catch(() => created.delete(name));
    created.set(name, p);
  }
  return p;
}
