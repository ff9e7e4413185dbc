import { memory, noGrad, type Tensor } from '@layers/core';
import { describe, expect, it } from 'vitest';
import { importModel } from '../src/import/index.js';
import { expectFixture, loadFixture, MODELS, modelBytes, toTensor, useCpu } from './import-helpers.js';

const cpu = useCpu();

describe('importModel matches PyTorch 1.13 on cpu', () => {
  for (const name of MODELS) {
    for (const opset of loadFixture(name).opsets) {
      it(`${name} (opset ${opset}), at the export batch size and one larger`, async () => {
        const fx = loadFixture(name);
        const model = importModel(modelBytes(name, opset), { backend: cpu() });
        expect(model.opset).toBe(opset);
        expect(model.producer).toMatch(/^pytorch 1\.13/);
        await expectFixture(model, fx, cpu(), name);
      });
    }
  }
});

describe('forward frees what it computes', () => {
  for (const name of ['transformer', 'rnn', 'shapeops']) {
    it(`${name}: only the outputs outlive a forward`, () => {
      const fx = loadFixture(name);
      const model = importModel(modelBytes(name, 17), { backend: cpu() });
      const inputs = model.inputs.map((i) => toTensor(fx.cases[0].inputs[i.name], cpu()));
      const run = () => {
        const out = model.forward(...inputs);
        return Array.isArray(out) ? out : [out];
      };
      // The first run uploads the graph's constants once (kept for later runs).
      for (const t of run()) t.dispose();
      const before = memory().tensors;
      // Without autograd nothing but the outputs survives the run.
      const outs: Tensor[] = noGrad(run);
      expect(memory().tensors).toBe(before + outs.length);
      for (const t of outs) t.dispose();
      expect(memory().tensors).toBe(before);
      // With autograd the outputs hold what backward needs, until they are disposed.
      for (const t of run()) t.dispose();
      expect(memory().tensors).toBe(before);
    });
  }
});
