/** Which backends this browser can run, and creating them on demand. */
import type { Backend } from '@layers/core';

export type BackendName = 'webgpu' | 'wasm' | 'cpu';

export interface Support {
  name: BackendName;
  available: boolean;
  /** What was found (adapter, thread count) or why the backend is unavailable. */
  detail: string;
  /** WebGPU on a software adapter (SwiftShader, llvmpipe, WARP): slower than wasm. */
  software?: boolean;
}

/** What a GPUAdapter says about itself (`info`, and the older `isFallbackAdapter` flag). */
export interface AdapterFacts {
  isFallbackAdapter?: boolean;
  vendor?: string;
  architecture?: string;
  description?: string;
}

/**
 * True for a software rasteriser: the adapter says it is a fallback adapter, or names a CPU
 * implementation (Chromium's SwiftShader reports vendor "google", architecture "swiftshader").
 */
export function isSoftwareAdapter(facts: AdapterFacts): boolean {
  if (facts.isFallbackAdapter) return true;
  const text = [facts.vendor, facts.architecture, facts.description].join(' ');
  return /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render/i.test(text);
}

/**
 * The backend the page selects at first: WebGPU on a hardware adapter, else WASM, else CPU
 * (as apps/mnist's CLI chooses). WebGPU on a software adapter trains far slower than WASM.
 */
export function defaultBackend(list: readonly Support[]): BackendName | null {
  const usable = (name: BackendName) => list.find((s) => s.name === name && s.available);
  const gpu = usable('webgpu');
  if (gpu && !gpu.software) return 'webgpu';
  return usable('wasm')?.name ?? usable('cpu')?.name ?? gpu?.name ?? null;
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
    const info = adapter.info as AdapterFacts | undefined;
    const what = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'adapter';
    const legacy = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter;
    // GPUAdapterInfo's fields are prototype getters: read them one by one (a spread copies none).
    const software = isSoftwareAdapter({
      isFallbackAdapter: info?.isFallbackAdapter || legacy,
      vendor: info?.vendor,
      architecture: info?.architecture,
      description: info?.description,
    });
    return {
      name: 'webgpu',
      available: true,
      software,
      detail: software ? `${what} (software: slower than wasm here)` : what,
    };
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
