import * as L from '@layers/core';
import { describe, expect, it } from 'vitest';
import { useBackend } from './helpers.js';

// Issue requirement: GPU memory must not grow over a long training loop. A small MLP trains
// for 1,000 steps with nn layers, a loss and Adam; the pool's live and allocated bytes after
// the loop must equal those after the first steps (the buffer pool reuses, never grows).
describe('webgpu memory over 1,000 training steps', () => {
  const backend = useBackend();

  it('keeps live and allocated GPU bytes flat, and learns', async () => {
    L.manualSeed(1);
    const model = new L.nn.Sequential(new L.nn.Linear(8, 16), new L.nn.ReLU(), new L.nn.Linear(16, 3));
    const opt = new L.optim.Adam(model.parameters(), { lr: 0.01 });
    const ce = new L.nn.CrossEntropyLoss();
    const x = L.randn([32, 8]);
    // A learnable target: the class is the argmax of the first three features.
    const y = L.tidy(() => x.narrow(1, 0, 3).argmax(1));
    // A loop that never reads back must not grow either: device-side index checks coalesce.
    const step = () =>
      L.tidy(() => {
        opt.zeroGrad();
        const loss = ce.forward(model.forward(x), y);
        loss.backward();
        opt.step();
        return loss;
      });
    const first = step();
    const firstLoss = Number(await first.item());
    first.dispose();
    for (let i = 0; i < 8; i++) step().dispose();
    // Measure right after a readback, as at the end: pending device-side checks are drained.
    const tenth = step();
    await tenth.item();
    tenth.dispose();
    await backend().sync();
    const warm = backend().memory();
    const tensors = L.memory().tensors;
    for (let i = 0; i < 990; i++) {
      const loss = step();
      if (i % 100 === 99) await loss.item(); // let the queue drain now and then, as a real loop does
      loss.dispose();
      // Between readbacks at most one coalesced device-side check is pending: two scalars,
      // the running minimum and maximum of the targets (so the error can name the index).
      if (i % 100 === 50) expect(L.memory().tensors).toBeLessThanOrEqual(tensors + 2);
    }
    const last = step();
    const lastLoss = Number(await last.item());
    last.dispose();
    await backend().sync();
    const end = backend().memory();
    expect(L.memory().tensors).toBe(tensors);
    expect(end.liveBytes).toBe(warm.liveBytes);
    expect(end.allocatedBytes).toBe(warm.allocatedBytes);
    expect(lastLoss).toBeLessThan(firstLoss * 0.5);
  }, 300_000);
});
