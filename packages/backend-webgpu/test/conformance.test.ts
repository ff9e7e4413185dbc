import { createCpuBackend } from '@layers/backend-cpu';
import { describeConformance } from '@layers/conformance';
import { createWebGPUBackend } from '../src/index.js';

describeConformance('webgpu', () => createWebGPUBackend(), {
  backendModule: { specifier: '@layers/backend-webgpu', factory: 'createWebGPUBackend' },
  // The differential programs compare each op with the cpu backend's.
  reference: () => createCpuBackend(),
});
