/**
 * @layers/backend-webgpu. In Node the backend loads Dawn through the `webgpu` package; on a
 * machine without a GPU point Vulkan at SwiftShader first:
 *   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json pnpm bench --only webgpu
 */
import { createWebGPUBackend, type WebGPUBackend } from '@layers/backend-webgpu';
import type { BenchSpec, Contender, Runner } from '../harness.js';
import { coldRunner } from './cold-runner.js';
import { tensorRunner } from './layers-common.js';

export default function contender(): Contender {
  let backend: WebGPUBackend | null = null;
  return {
    name: 'layers-webgpu',
    family: 'webgpu',
    ours: true,
    async init() {
      backend = await createWebGPUBackend({ powerPreference: 'high-performance' });
    },
    async prepare(spec: BenchSpec): Promise<Runner | null> {
      if (!backend) throw new Error('layers-webgpu: init() was not called');
      if (spec.kind === 'cold') return coldRunner('layers-webgpu', spec);
      const runner = tensorRunner(backend, spec);
      // First sight of a shape class starts autotuning in the background; let it finish so
      // the timed runs use the tuned kernels (as with a table preloaded from an earlier visit).
      if (runner) {
        await runner.step();
        await backend.tuningSettled();
      }
      return runner;
    },
    dispose() {
      backend?.destroy();
      backend = null;
    },
  };
}
