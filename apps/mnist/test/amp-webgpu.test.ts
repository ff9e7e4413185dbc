import { mkdirSync } from 'node:fs';
import { setBackend } from '@layers/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dataset, loadMnist } from '../src/data.js';
import { train } from '../src/train.js';
import { subset } from './subset.js';

// Headless machines have no GPU: Dawn runs on Chromium's SwiftShader Vulkan driver (no
// 'shader-f16') unless the environment points elsewhere. LAYERS_AMP_ADAPTER=lavapipe (the
// package's test script runs both) takes Mesa's lavapipe, which has 'shader-f16' (.ci/run
// installs Mesa 25), and then requires it: matmul, reductions and expressions run in f16 storage.
const LAVAPIPE = process.env.LAYERS_AMP_ADAPTER === 'lavapipe';
if (LAVAPIPE) process.env.VK_ICD_FILENAMES = '/usr/share/vulkan/icd.d/lvp_icd.json';
process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.XDG_RUNTIME_DIR) {
  mkdirSync('/tmp/layers-webgpu-xdg', { recursive: true, mode: 0o700 });
  process.env.XDG_RUNTIME_DIR = '/tmp/layers-webgpu-xdg';
}

type Gpu = Awaited<ReturnType<typeof import('@layers/backend-webgpu').createWebGPUBackend>>;

describe('mnist under autocast on webgpu', () => {
  let data: { train: Dataset; test: Dataset };
  let gpu: Gpu;
  let shaderF16 = false;
  beforeAll(async () => {
    const { createWebGPUBackend } = await import('@layers/backend-webgpu');
    gpu = await createWebGPUBackend();
    setBackend(gpu);
    // Which compute the float16 half of this test gets: SwiftShader (Dawn's software adapter,
    // measured) has no 'shader-f16', so float16 tensors are stored as 16 bits and every kernel
    // computes in float32, rounding each result once (core's backend/compute.ts).
    const adapter = await gpu.instance?.requestAdapter();
    shaderF16 = adapter?.features.has('shader-f16') ?? false;
    if (LAVAPIPE) expect(shaderF16, 'lavapipe adapter without shader-f16').toBe(true);
    data = loadMnist();
  });
  afterAll(async () => {
    await gpu?.destroy?.();
  });

  // The digit CNN, 120 steps of 16 digits, float32 against float16 autocast + GradScaler from
  // the same seed and batches: mixed precision must reach float32's test accuracy within 3
  // points (both far above chance, 10%), as on cpu (amp.test.ts). With half the steps (every
  // 8th digit) the gap measured 3.2 points (81.6% against 78.4%): the scaler's first skipped
  // steps weigh more in a shorter run. Measured on SwiftShader: float32 92.2%, float16 91.6%
  // (about 13 minutes for both runs under load); on lavapipe with shader-f16: float32 92.2%,
  // float16 91.4% (49 s).
  it('trains with float16 autocast and GradScaler to float32 accuracy', async () => {
    // Every 4th digit (about 2,000, every class; the shipped set is ordered).
    const few = subset(data.train, 4);
    const test = subset(data.test, 4);
    const opts = { epochs: 1, batchSize: 16, lr: 0.004, seed: 0, augment: false };
    const f32 = await train(few, test, opts);
    const f16 = await train(few, test, { ...opts, amp: 'float16' });
    const a32 = f32.history[0].accuracy;
    const a16 = f16.history[0].accuracy;
    console.log(
      `webgpu (${shaderF16 ? 'shader-f16' : 'no shader-f16: float32 compute'}): float32 ${(a32 * 100).toFixed(1)}%, float16 autocast ${(a16 * 100).toFixed(1)}%`,
    );
    expect(a32).toBeGreaterThan(0.75);
    expect(a16).toBeGreaterThan(a32 - 0.03);
    expect(f16.model.stateDict()['0.weight']?.dtype).toBe('float32');
  }, 1_500_000);
});
