import * as L from '@layers/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createWasmBackend } from '../src/index.js';

// Issue 10: the training steps of apps/bench's layer-train cases, counted in kernel launches
// by core's profiler (a count, not a time, so the batch is small: the count does not depend
// on it). LSTM 64 -> 128 over 32 steps: 1,691 launches at commit 5896a09 (per-step autograd:
// ~50 a time step), 162 with the whole sequence as one node (rnn-seq.ts: per time step one
// matmul and one cell kernel forward, one matmul and one expression backward).
const LSTM_SEQ = 32;
const MAX_LSTM = 4 * LSTM_SEQ + 40;
// Encoder layer (d 128, 4 heads, ff 256): 140 at 5896a09, 123 now.
const MAX_ENCODER = 123;

describe('wasm sequence-model training steps', () => {
  let backend: L.Backend;
  afterAll(async () => {
    backend?.destroy?.();
  });

  async function launches(module: L.nn.Module, forward: () => L.Tensor): Promise<L.ProfileReport> {
    const opt = new L.optim.Adam(module.parameters(), { lr: 1e-3 });
    const step = async (): Promise<number> => {
      // The loss is read back every step, as layer-train does.
      const loss = L.tidy(() => {
        opt.zeroGrad();
        const l = forward().square().mean();
        l.backward();
        opt.step();
        return l;
      });
      const [v] = [Number(await loss.item()), loss.dispose()];
      return v;
    };
    // Warm-up: the first step creates the gradients and Adam's state.
    await step();
    const { result, report } = await L.profile(step, { backend });
    expect(Number.isFinite(result)).toBe(true);
    for (const p of module.parameters()) expect(p.grad).not.toBeNull();
    return report;
  }

  it(`LSTM over ${LSTM_SEQ} steps runs in at most ${MAX_LSTM} kernels`, async () => {
    backend = await createWasmBackend({ threads: 1 });
    L.setBackend(backend);
    L.manualSeed(0);
    const lstm = new L.nn.LSTM(64, 128);
    const x = L.rand([LSTM_SEQ, 2, 64]);
    const report = await launches(lstm, () => lstm.forward(x)[0]);
    expect(report.kernels, report.table()).toBeLessThanOrEqual(MAX_LSTM);
    x.dispose();
  });

  it(`transformer encoder layer runs in at most ${MAX_ENCODER} kernels`, async () => {
    L.manualSeed(0);
    const layer = new L.nn.TransformerEncoderLayer(128, 4, {
      dimFeedforward: 256,
      dropout: 0,
      batchFirst: true,
    });
    const x = L.rand([2, 16, 128]);
    const report = await launches(layer, () => layer.forward(x));
    expect(report.kernels, report.table()).toBeLessThanOrEqual(MAX_ENCODER);
    x.dispose();
  });
});
