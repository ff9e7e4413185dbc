/**
 * Device acquisition and the WebGPU numeric constants.
 *
 * The constants are spelled out because in Node the `GPUBufferUsage` etc. globals only exist
 * if someone copied the `webgpu` package's globals onto globalThis; we must not depend on that.
 */

import type { TuningOptions } from './tuning/tuner.js';

export const BufferUsage = {
  MAP_READ: 0x1,
  MAP_WRITE: 0x2,
  COPY_SRC: 0x4,
  COPY_DST: 0x8,
  UNIFORM: 0x40,
  QUERY_RESOLVE: 0x200,
  STORAGE: 0x80,
} as const;
export const MapMode = { READ: 0x1, WRITE: 0x2 } as const;
export const ShaderStage = { COMPUTE: 0x4 } as const;

/** Options of {@link createWebGPUBackend}. */
export interface WebGPUBackendOptions {
  /** Use this adapter instead of requesting one. */
  adapter?: GPUAdapter;
  /** Use this device (the backend then does not own it, but `destroy()` still destroys it). */
  device?: GPUDevice;
  /** Adapter preference when requesting one (`'high-performance'` or `'low-power'`). */
  powerPreference?: GPUPowerPreference;
  /**
   * Request the subgroups feature when the adapter offers it (default true). No kernel uses
   * it at present: hardware subgroupAdd/subgroupMax have an unspecified order and undefined
   * NaN behaviour, so reductions use compensated shared-memory trees on every device.
   */
  subgroups?: boolean;
  /**
   * Kernel autotuning: on by default; `{ autotune: false }` uses the deterministic heuristic,
   * `{ table }` preloads a table saved from `backend.tuning()`.
   */
  tuning?: TuningOptions;
}

export interface AcquiredDevice {
  device: GPUDevice;
  adapter: GPUAdapter | null;
  /** Keeps the Node `webgpu` instance reachable for as long as the device lives. */
  instance: GPU | null;
  subgroups: boolean;
}

/**
 * Whether `device` has `shader-f16`: the backend then binds float16 buffers as array<f16> in
 * the kernels it lists in `float16Kernels` (kernels/half.ts).
 */
export function hasShaderF16(device: GPUDevice): boolean {
  return device.features.has('shader-f16');
}

/** Limits we raise to the adapter's maximum; the defaults are too small for real tensors. */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
] as const;

async function getGPU(): Promise<{ gpu: GPU; instance: GPU | null }> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, instance: null };
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) {
    throw new Error(
      '@layers/backend-webgpu: navigator.gpu is not available. This browser does not support WebGPU ' +
        '(or it is disabled, or the page is not a secure context).',
    );
  }
  // A variable specifier keeps browser bundlers from following this import.
  const specifier = 'webgpu';
  let mod: { create: (flags: string[]) => GPU };
  try {
    mod = await import(/* @vite-ignore */ specifier);
  } catch (e) {
    throw new Error(
      '@layers/backend-webgpu: no navigator.gpu and the `webgpu` npm package (Dawn for Node) could ' +
        `not be loaded: ${(e as Error).message}. Install it with \`npm i webgpu\`.`,
    );
  }
  const gpu = mod.create([]);
  return { gpu, instance: gpu };
}

export async function acquireDevice(opts: WebGPUBackendOptions): Promise<AcquiredDevice> {
  const wantSubgroups = opts.subgroups !== false;
  if (opts.device) {
    return {
      device: opts.device,
      adapter: opts.adapter ?? null,
      instance: null,
      subgroups: wantSubgroups && opts.device.features.has('subgroups'),
    };
  }
  let adapter = opts.adapter ?? null;
  let instance: GPU | null = null;
  if (!adapter) {
    const got = await getGPU();
    instance = got.instance;
    adapter = await got.gpu.requestAdapter(
      opts.powerPreference ? { powerPreference: opts.powerPreference } : undefined,
    );
    if (!adapter) {
      throw new Error(
        '@layers/backend-webgpu: requestAdapter() returned null; no WebGPU adapter is available ' +
          '(in Node, check that a Vulkan/Metal/D3D12 driver is installed; VK_ICD_FILENAMES may help).',
      );
    }
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) {
    const v = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof v === 'number') requiredLimits[name] = v;
  }
  const subgroups = wantSubgroups && adapter.features.has('subgroups');
  const requiredFeatures: GPUFeatureName[] = subgroups ? ['subgroups' as GPUFeatureName] : [];
  // Timestamps cost nothing until core's profile() asks for them (see timestamps.ts).
  if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  // Native float16 storage and arithmetic for the kernels in the backend's float16Kernels.
  if (adapter.features.has('shader-f16')) requiredFeatures.push('shader-f16');
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  return { device, adapter, instance, subgroups };
}
