/** Imported models are ordinary modules: PyTorch's state-dict names, trainable initializers. */

import { manualSeed, nn, optim, randnLike, type Tensor, tidy } from '@layers/core';
import { describe, expect, it } from 'vitest';
import { importModel } from '../src/import/index.js';
import { expectClose, loadFixture, MODELS, modelBytes, toTensor, useCpu } from './import-helpers.js';

const cpu = useCpu();

describe('imported parameters', () => {
  for (const name of MODELS) {
    it(`${name}: stateDict keeps the exporter's PyTorch names and shapes`, () => {
      const fx = loadFixture(name);
      const model = importModel(modelBytes(name, 17));
      const dict = model.stateDict();
      // torch.onnx.export names folded or renamed initializers "onnx::Op_N"; every other
      // name is a key of the PyTorch model's state_dict, with its shape.
      const named = Object.keys(dict).filter((k) => !k.startsWith('onnx::'));
      for (const k of named) {
        expect(fx.state[k], `${name}: ${k} is a PyTorch state_dict key`).toBeDefined();
        expect(dict[k].shape, k).toEqual(fx.state[k]);
      }
      for (const p of model.parameters()) expect(p.requiresGrad).toBe(true);
    });
  }

  it("BatchNormalization's running statistics are buffers, not parameters", () => {
    const model = importModel(modelBytes('norms', 17));
    const params = new Set([...model.namedParameters()].map(([k]) => k));
    const buffers = new Set([...model.namedBuffers()].map(([k]) => k));
    expect(buffers).toEqual(new Set(['bn1.running_mean', 'bn1.running_var']));
    // (torch.onnx.export deduplicates initializers of equal value: bn1.weight, still all ones,
    // became an Identity of inorm.weight, so it has no name of its own here.)
    expect(params.has('emb.weight') && params.has('ln.weight') && params.has('inorm.weight')).toBe(true);
    expect(Object.keys(model.stateDict())).toContain('bn1.running_var');
  });

  it('loadStateDict changes what forward computes (the graph reads the live parameters)', async () => {
    const fx = loadFixture('mlp');
    const model = importModel(modelBytes('mlp', 17));
    const x = toTensor(fx.cases[0].inputs.x, cpu());
    const dict = model.stateDict();
    const zeroed = Object.fromEntries(Object.entries(dict).map(([k, t]) => [k, t.mul(0)]));
    model.loadStateDict(zeroed);
    const [probs] = model.forward(x) as Tensor[];
    // All weights zero: the logits are zero, so softmax over 4 classes is uniform.
    for (const v of await probs.data()) expect(v).toBeCloseTo(0.25, 6);
  });

  it('nn.functionalCall swaps initializers by their state-dict keys, then restores them', async () => {
    const fx = loadFixture('cnn');
    const model = importModel(modelBytes('cnn', 17));
    const x = toTensor(fx.cases[0].inputs.x, cpu());
    const { 'fc.weight': w, 'fc.bias': b } = model.stateDict();
    // The classifier is the graph's last Gemm: with zero weights and bias the logits are zero.
    const zeroed = nn.functionalCall<Tensor>(model, { 'fc.weight': w.mul(0), 'fc.bias': b.mul(0) }, x);
    expect([...(await zeroed.data())].every((v) => v === 0)).toBe(true);
    expect(model.stateDict()['fc.weight']).toBe(w);
    await expectClose(model.forward(x) as Tensor, fx.cases[0].outputs.out0, 'cnn after functionalCall');
  });
});

describe('fine-tuning an imported model lowers its loss', () => {
  // How many initializers the first output depends on: all of them, or the 2-layer LSTM's W, R, B.
  const trained: Record<string, number | 'all'> = { vision: 'all', rnn: 6, text: 'all' };
  for (const [name, expected] of Object.entries(trained)) {
    it(`${name}: 6 Adam steps on MSE to fixed targets`, async () => {
      manualSeed(7);
      const fx = loadFixture(name);
      const model = importModel(modelBytes(name, 17));
      const inputs = model.inputs.map((i) => toTensor(fx.cases[0].inputs[i.name], cpu()));
      const first = (o: Tensor | Tensor[]) => (Array.isArray(o) ? o[0] : o);
      // Targets of the outputs' scale (LSTM outputs lie in (-1, 1)).
      const target = tidy(() => randnLike(first(model.forward(...inputs))).mul(0.5));
      const opt = new optim.Adam(model.parameters(), { lr: 2e-2 });
      const mse = new nn.MSELoss();
      const losses: number[] = [];
      for (let step = 0; step < 6; step++) {
        const loss = tidy(() => {
          opt.zeroGrad();
          const l = mse.forward(first(model.forward(...inputs)), target);
          l.backward();
          opt.step();
          return l;
        });
        losses.push(Number(await loss.item()));
        loss.dispose();
      }
      // Every trainable initializer the output depends on received a gradient.
      const withGrad = model.parameters().filter((p) => p.grad !== null).length;
      expect(withGrad).toBe(expected === 'all' ? model.parameters().length : expected);
      expect(losses[5], `losses ${losses.join(', ')}`).toBeLessThan(losses[0] * 0.9);
    });
  }
});
