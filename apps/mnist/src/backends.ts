import { existsSync, readdirSync } from 'node:fs';
import type { Backend } from '@layers/core';
import type { BackendName } from './args.js';

export interface ChosenBackend {
  name: BackendName;
  backend: Backend;
  /** Why this one, for the log line. */
  note: string;
}

async function create(name: BackendName): Promise<Backend> {
  switch (name) {
    case 'cpu':
      return (await import('@layers/backend-cpu')).createCpuBackend();
    case 'wasm':
      return (await import('@layers/backend-wasm')).createWasmBackend();
    case 'webgpu':
      return (await import('@layers/backend-webgpu')).createWebGPUBackend();
  }
}

/**
 * On Linux a GPU driver exposes a device node; without one, skip probing Dawn, which would
 * only find a software adapter and print Vulkan warnings on stderr while looking.
 */
function mayHaveGpu(): boolean {
  if (process.platform !== 'linux') return true;
  if (existsSync('/dev/nvidia0')) return true;
  try {
    return readdirSync('/dev/dri').some((n) => n.startsWith('renderD'));
  } catch {
    return false;
  }
}

/** A real GPU adapter (not a software fallback) is the only reason to prefer WebGPU. */
async function hardwareGpuAvailable(): Promise<boolean> {
  if (!(globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu && !mayHaveGpu()) return false;
  try {
    const gpu: GPU | undefined =
      (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu ??
      (await import('webgpu').then((m) => m.create([]) as GPU).catch(() => undefined));
    const adapter = await gpu?.requestAdapter({ powerPreference: 'high-performance' });
    return !!adapter && !(adapter.info as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  } catch {
    return false;
  }
}

/** The requested backend, or the fastest available: WebGPU on a real GPU, else WASM, else CPU. */
export async function chooseBackend(requested: BackendName | 'auto'): Promise<ChosenBackend> {
  if (requested !== 'auto') return { name: requested, backend: await create(requested), note: 'requested' };
  if (await hardwareGpuAvailable()) {
    try {
      return { name: 'webgpu', backend: await create('webgpu'), note: 'a GPU adapter is available' };
    } catch {
      // fall through to the CPU backends
    }
  }
  try {
    return {
      name: 'wasm',
      backend: await create('wasm'),
      note: 'no GPU adapter; WebAssembly is the fastest CPU backend',
    };
  } catch {
    return { name: 'cpu', backend: await create('cpu'), note: 'WebAssembly backend unavailable' };
  }
}
