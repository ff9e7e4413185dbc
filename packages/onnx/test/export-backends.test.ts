/**
 * Export reads parameters only through async data(), so a model living on another backend
 * exports the same graph: here wasm, checked in onnxruntime against the wasm forward.
 */
import { createWasmBackend } from '@layers/backend-wasm';
import { type Backend, nn, randn, setBackend } from '@layers/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModel } from '../src/index.js';
import { compareWithRuntimes } from './export-helpers.js';

describe('exportModel on the wasm backend', () => {
  let wasm: Backend;
  beforeAll(async () => {
    wasm = await createWasmBackend({ threads: 1 });
    setBackend(wasm);
  });
  afterAll(async () => {
    await wasm?.destroy?.();
  });

  it('a conv net and an LSTM export and match the wasm forward', async () => {
    const net = new nn.Sequential(
      new nn.Conv2d(2, 4, 3, { padding: 1 }),
      new nn.BatchNorm2d(4),
      new nn.ReLU(),
      new nn.AdaptiveAvgPool2d(2),
      new nn.Flatten(),
      new nn.Linear(16, 3),
    );
    net.eval();
    expect(net.parameters()[0].backend).toBe(wasm);
    const make = (n: number) => [randn([n, 2, 5, 5])];
    const bytes = await exportModel(net, make(2), { dynamicAxes: { input: [0] } });
    await compareWithRuntimes(bytes, net, make, [2, 4]);

    const lstm = new nn.LSTM(3, 4, { bidirectional: true });
    const seq = (n: number) => [randn([n + 1, n, 3])];
    const lstmBytes = await exportModel(lstm, seq(2), { dynamicAxes: { input: [0, 1] } });
    await compareWithRuntimes(lstmBytes, lstm, seq, [2, 3]);
  });
});
