export { createWebGPUBackend, WebGPUBackend } from './backend.js';
export type { WebGPUBackendOptions } from './gpu.js';
export type { PoolStats } from './pool.js';
