import { createCpuBackend } from '@layers/backend-cpu';
import { nn, setBackend } from '@layers/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Dataset, loadMnist } from '../src/data.js';
import { createModel } from '../src/model.js';
import { evaluate, train } from '../src/train.js';
import { subset } from './subset.js';

describe('mnist main job', () => {
  let data: { train: Dataset; test: Dataset };
  beforeAll(async () => {
    setBackend(await createCpuBackend());
    data = loadMnist();
  });

  it('splits the shipped digits into disjoint, balanced train and test sets', () => {
    expect(data.train.size).toBeGreaterThan(7500);
    expect(data.test.size).toBeGreaterThan(1900);
    const counts = new Array(10).fill(0);
    for (const l of data.test.labels) counts[l]++;
    for (const c of counts) expect(c).toBeGreaterThan(150);
  });

  it('learns: one short epoch on a third of the data beats 80% (chance is 10%), and saved weights reproduce it', async () => {
    const small = subset(data.train, 3);
    const { model, history } = await train(small, data.test, {
      epochs: 1,
      batchSize: 64,
      lr: 0.002,
      seed: 0,
    });
    expect(history[0].accuracy).toBeGreaterThan(0.8);
    const bytes = await nn.saveSafetensors(model.stateDict());
    const fresh = createModel();
    fresh.loadStateDict(nn.loadSafetensors(bytes));
    expect(await evaluate(fresh, data.test)).toBe(history[0].accuracy);
    expect(Object.keys(model.stateDict())).toContain('1.running_mean');
  });
});
