/**
 * The PyTorch fixtures on every other backend: the imported graph runs on core ops only, so
 * whatever backend holds the parameters and inputs computes it (cpu is in import.test.ts).
 */

import { mkdirSync } from 'node:fs';
import { createCpuBackend } from '@layers/backend-cpu';
import type { Backend } from '@layers/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importModel } from '../src/import/index.js';
import { expectFixture, loadFixture, MODELS, modelBytes } from './import-helpers.js';

// Headless machines have no GPU: Dawn runs on Chromium's SwiftShader Vulkan driver (as in
// packages/backend-webgpu/vitest.config.ts), set before the webgpu package loads.
process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.XDG_RUNTIME_DIR) {
  const dir = '/tmp/layers-webgpu-xdg';
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  process.env.XDG_RUNTIME_DIR = dir;
}

const BACKENDS: Record<string, () => Promise<Backend>> = {
  template: async () => (await import('@layers/backend-template')).createTemplateBackend(),
  wasm: async () => (await import('@layers/backend-wasm')).createWasmBackend({ threads: 1 }),
  webgpu: async () => (await import('@layers/backend-webgpu')).createWebGPUBackend(),
};

for (const [backendName, create] of Object.entries(BACKENDS)) {
  describe(`importModel matches PyTorch 1.13 on ${backendName}`, () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await create();
    });
    afterAll(async () => {
      await backend?.destroy?.();
    });
    it('a model imported on cpu runs here after module.to(backend)', async () => {
      const cpu = await createCpuBackend();
      for (const name of ['vision', 'rnn']) {
        const model = importModel(modelBytes(name, 17), { backend: cpu }).to(backend);
        await expectFixture(model, loadFixture(name), backend, `${name} moved to ${backendName}`);
      }
    });
    for (const name of MODELS) {
      for (const opset of loadFixture(name).opsets) {
        it(`${name} (opset ${opset})`, async () => {
          const model = importModel(modelBytes(name, opset), { backend });
          expect(model.parameters().every((p) => p.backend === backend)).toBe(true);
          await expectFixture(model, loadFixture(name), backend, `${name} on ${backendName}`);
        });
      }
    }
  });
}
