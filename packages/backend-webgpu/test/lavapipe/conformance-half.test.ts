import { createCpuBackend } from '@layers/backend-cpu';
import { describeConformance } from '@layers/conformance';
import { createWebGPUBackend } from '../../src/index.js';

// The conformance suite with the native float16 kernels (shader-f16). vitest.lavapipe.config.ts
// runs only its 16-bit rows (half-ops fixtures, half and amp behaviour): everything else is
// the SwiftShader run's.
describeConformance('webgpu (lavapipe)', () => createWebGPUBackend({ tuning: { autotune: false } }), {
  backendModule: { specifier: '@layers/backend-webgpu', factory: 'createWebGPUBackend' },
  reference: () => createCpuBackend(),
});
