import { createCpuBackend } from '@layers/backend-cpu';
import { manualSeed, memory, randint, randn, setBackend } from '@layers/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cnn } from '../src/cnn.js';
import { transformer } from '../src/transformer.js';
import { xor } from '../src/xor.js';

// The README's examples, run as written: each must train (its loss falls) without leaking.
describe('README examples', () => {
  beforeAll(async () => {
    setBackend(await createCpuBackend());
    manualSeed(0);
  });

  it('the MLP learns XOR', async () => {
    const losses = await xor();
    expect(losses[0]).toBeGreaterThan(0.1);
    expect(losses[losses.length - 1]).toBeLessThan(0.01);
  });

  it('the CNN fits a fixed batch', async () => {
    const images = randn([16, 1, 28, 28]);
    const labels = randint(0, 10, [16]);
    const before = memory().tensors;
    const losses = await cnn(images, labels);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.25);
    // The model's parameters, buffers and optimizer state remain; no per-step tensors do.
    expect(memory().tensors - before).toBeLessThan(40);
  });

  it('the causal transformer encoder fits a fixed batch', async () => {
    const tokens = randn([4, 6, 32]);
    const targets = randint(0, 5, [4, 6]);
    const losses = await transformer(tokens, targets);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.7);
  });
});
