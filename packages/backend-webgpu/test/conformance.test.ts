import { describeConformance } from '@layers/conformance';
import { createWebGPUBackend } from '../src/index.js';

describeConformance('webgpu', () => createWebGPUBackend(), {
  backendModule: { specifier: '@layers/backend-webgpu', factory: 'createWebGPUBackend' },
  // These need a synchronous readback inside core, which WebGPU cannot offer (no readSync):
  // core's gradcheck calls dataSync, oneHot without numClasses reads the labels, and core's
  // gather bounds check reads the index values. Reported to core; not kernel failures.
  skip: [
    'behaviour/gradcheck',
    'nn-basic/oneHot/inferred',
    'behaviour/errors/out-of-range dims and indices are rejected',
  ],
});
