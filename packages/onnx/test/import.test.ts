import type { Tensor } from '@layers/core';
import { describe, expect, it } from 'vitest';
import { importModel } from '../src/import/index.js';
import { expectClose, loadFixture, MODELS, modelBytes, OPSETS, toTensor, useCpu } from './import-helpers.js';

const cpu = useCpu();

describe('importModel matches PyTorch 1.13 on cpu', () => {
  for (const name of MODELS) {
    for (const opset of OPSETS) {
      it(`${name} (opset ${opset})`, async () => {
        const fx = loadFixture(name);
        const model = importModel(modelBytes(name, opset), { backend: cpu() });
        const inputs = model.inputs.map((i) => toTensor(fx.inputs[i.name], cpu()));
        const out = model.forward(...inputs);
        const outs: Tensor[] = Array.isArray(out) ? out : [out];
        expect(outs.length).toBe(Object.keys(fx.outputs).length);
        for (const [k, o] of model.outputs.entries())
          await expectClose(outs[k], fx.outputs[o.name], `${name} ${o.name}`);
      });
    }
  }
});
