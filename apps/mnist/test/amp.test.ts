import { createCpuBackend } from '@layers/backend-cpu';
import { setBackend } from '@layers/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Dataset, loadMnist } from '../src/data.js';
import { train } from '../src/train.js';
import { subset } from './subset.js';

describe('mnist under autocast', () => {
  let data: { train: Dataset; test: Dataset };
  beforeAll(async () => {
    setBackend(await createCpuBackend());
    data = loadMnist();
  });

  // The digit CNN, 120 steps of 16 digits, float32 against float16 autocast + GradScaler from
  // the same seed and batches: mixed precision must reach float32's test accuracy within 3
  // points (both far above chance, 10%).
  it('trains with float16 autocast and GradScaler to float32 accuracy', async () => {
    // Every 4th digit (about 2,000, every class; the shipped set is ordered).
    const few = subset(data.train, 4);
    const test = subset(data.test, 4);
    const opts = { epochs: 1, batchSize: 16, lr: 0.004, seed: 0, augment: false };
    const f32 = await train(few, test, opts);
    const f16 = await train(few, test, { ...opts, amp: 'float16' });
    const a32 = f32.history[0].accuracy;
    const a16 = f16.history[0].accuracy;
    console.log(`float32 ${(a32 * 100).toFixed(1)}%, float16 autocast ${(a16 * 100).toFixed(1)}%`);
    expect(a32).toBeGreaterThan(0.75);
    expect(a16).toBeGreaterThan(a32 - 0.03);
    // The parameters AMP trains stay float32.
    expect(f16.model.stateDict()['0.weight']?.dtype).toBe('float32');
  }, 600_000);
});
