import * as L from '@layers/core';
import { describe, expect, it } from 'vitest';
import { useBackend } from './helpers.js';

// Issue 10: the digit CNN's training step (apps/bench's cnn-model: conv 1->8 3x3 pad 1, ReLU,
// max-pool 2; conv 8->16, ReLU, max-pool 2; Flatten; Linear 784->10; cross-entropy; Adam)
// runs at most half the 103 dispatches it took before fusion, counted by core's profiler.
// A count, not a time: the batch is small (the count does not depend on it) so SwiftShader
// runs it quickly. It was 74 before the fused cross-entropy, linear and reductions, 37 after.
const MAX_DISPATCHES = 51;

describe('webgpu digit-CNN training step', () => {
  const be = useBackend();

  it(`runs in at most ${MAX_DISPATCHES} kernel dispatches`, async () => {
    L.manualSeed(0);
    const { nn } = L;
    const block = (i: number, o: number) => [
      new nn.Conv2d(i, o, 3, { padding: 1 }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
    ];
    const model = new nn.Sequential(
      ...block(1, 8),
      ...block(8, 16),
      new nn.Flatten(),
      new nn.Linear(784, 10),
    );
    const ce = new nn.CrossEntropyLoss();
    const opt = new L.optim.Adam(model.parameters(), { lr: 1e-3 });
    const x = L.rand([4, 1, 28, 28]);
    const y = L.tensor([3, 1, 4, 1], { dtype: 'int32' });
    const forwardBackward = (): L.Tensor => {
      opt.zeroGrad();
      const loss = ce.forward(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss;
    };
    // The loss is read back every step, as the bench's cnn-train case does.
    const step = async (): Promise<number> => {
      const loss = L.tidy(forwardBackward);
      const v = Number(await loss.item());
      loss.dispose();
      return v;
    };
    // Warm-up: the first step creates the parameters' gradients and Adam's state.
    await step();
    const { result, report } = await L.profile(step, { backend: be() });
    expect(Number.isFinite(result)).toBe(true);
    expect(report.kernels, report.table()).toBeLessThanOrEqual(MAX_DISPATCHES);
    // The step trains: every parameter received a gradient from this step's backward.
    for (const p of model.parameters()) expect(p.grad).not.toBeNull();
    for (const t of [x, y]) t.dispose();
  });
});
