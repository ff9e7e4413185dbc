import { createCpuBackend } from '@layers/backend-cpu';
import { describeConformance } from '@layers/conformance';
import { createWebGPUBackend } from '../src/index.js';

describeConformance('webgpu', () => createWebGPUBackend(), {
  backendModule: { specifier: '@layers/backend-webgpu', factory: 'createWebGPUBackend' },
  // On SwiftShader 1,500 steps of each soak loop take tens of minutes. The no-tidy loop's
  // bound on webgpu is checked by `pnpm --filter @layers/bench soak --backend webgpu` and the
  // pool's flatness by test/training-memory.test.ts.
  skip: [
    'behaviour/memory/cnn: 1500 steps without tidy, dispose or GC stay bounded',
    'behaviour/memory/lstm: 1500 steps without tidy, dispose or GC stay bounded',
  ],
  // The differential programs compare each op with the cpu backend's.
  reference: () => createCpuBackend(),
});
