import { describeConformance } from '@layers/conformance';
import { createWebGPUBackend } from '../src/index.js';

describeConformance('webgpu', () => createWebGPUBackend(), {
  backendModule: { specifier: '@layers/backend-webgpu', factory: 'createWebGPUBackend' },
});
