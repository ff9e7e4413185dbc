/// <reference types="@webgpu/types" preserve="true" />
// The declarations name GPUDevice, GPUBuffer...: the reference makes a consumer load @webgpu/types (a dependency).
export { createWebGPUBackend, WebGPUBackend } from './backend.js';
export type { WebGPUBackendOptions } from './gpu.js';
export type { PoolStats } from './pool.js';
export type { TuningOptions, TuningTable } from './tuning/tuner.js';
