import { createCpuBackend } from '@layers/backend-cpu';
import { describeConformance } from '@layers/conformance';
import { createWebGPUBackend } from '../src/index.js';

// LAYERS_WEBGPU_AUTOTUNE=0 runs the suite on the deterministic heuristic kernels; by default
// autotuning is on (kernels switch to the measured variants as their timings come in). CI runs both.
const autotune = process.env.LAYERS_WEBGPU_AUTOTUNE !== '0';

describeConformance(
  `webgpu${autotune ? '' : ' (autotune off)'}`,
  () => createWebGPUBackend({ tuning: { autotune } }),
  {
    backendModule: { specifier: '@layers/backend-webgpu', factory: 'createWebGPUBackend' },
    // On SwiftShader a soak step costs about 70 ms (CNN, batch 1): 600 steps keep the two
    // loops near a minute; the bound they check does not grow with the step count. The
    // heuristic-kernel run (autotune off) repeats the whole suite, with shorter soaks.
    soakSteps: autotune ? 600 : 150,
    // The differential programs compare each op with the cpu backend's.
    reference: () => createCpuBackend(),
  },
);
