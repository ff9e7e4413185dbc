import * as L from '@layers/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '../src/index.js';
import { makeBackend } from './helpers.js';

// Issue 10: the digit CNN's training step (apps/bench's cnn-model: conv 1->8 3x3 pad 1, ReLU,
// max-pool 2; conv 8->16, ReLU, max-pool 2; Flatten; Linear 784->10; cross-entropy; Adam)
// runs at most half the 103 dispatches it took before fusion, counted by core's profiler.
// A count, not a time: the batch is small (the count does not depend on it) so SwiftShader
// runs it quickly. It was 74 before the fused cross-entropy, linear and reductions, 37 after.
const MAX_DISPATCHES = 51;

describe('webgpu digit-CNN training step', () => {
  let be: WebGPUBackend;
  beforeAll(async () => {
    be = await makeBackend();
    L.setBackend(be);
  });
  afterAll(async () => {
    await be.destroy();
  });

  it(`runs in at most ${MAX_DISPATCHES} kernel dispatches`, async () => {
    L.manualSeed(0);
    const { nn } = L;
    const model = new nn.Sequential(
      new nn.Conv2d(1, 8, 3, { padding: 1 }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Conv2d(8, 16, 3, { padding: 1 }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(16 * 7 * 7, 10),
    );
    const ce = new nn.CrossEntropyLoss();
    const opt = new L.optim.Adam(model.parameters(), { lr: 1e-3 });
    const x = L.rand([4, 1, 28, 28]);
    const y = L.tensor([3, 1, 4, 1], { dtype: 'int32' });
    const step = async (): Promise<number> => {
      const loss = L.tidy(() => {
        opt.zeroGrad();
        const l = ce.forward(model.forward(x), y);
        l.backward();
        opt.step();
        return l;
      });
      try {
        return Number(await loss.item());
      } finally {
        loss.dispose();
      }
    };
    // Warm-up: the first step creates the parameters' gradients and Adam's state.
    await step();
    const { result, report } = await L.profile(step);
    expect(Number.isFinite(result)).toBe(true);
    expect(report.kernels, report.table()).toBeLessThanOrEqual(MAX_DISPATCHES);
    // The step trains: every parameter received a gradient from this step's backward.
    for (const p of model.parameters()) expect(p.grad).not.toBeNull();
    for (const t of [x, y]) t.dispose();
  });
});
