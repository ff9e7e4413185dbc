/** Export then importModel: the imported module computes what the original does (cpu). */
import { nn, randn, type Tensor } from '@layers/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportModel, importModel } from '../src/index.js';
import { expectClose, tensorsOf, useCpu } from './export-helpers.js';

beforeAll(useCpu);

const CASES: [string, () => nn.Module, (n: number) => Tensor[], number[]?][] = [
  [
    'conv net',
    () =>
      new nn.Sequential(
        new nn.Conv2d(2, 4, 3, { padding: 1 }),
        new nn.BatchNorm2d(4),
        new nn.ReLU(),
        new nn.MaxPool2d(2),
        new nn.Flatten(),
        new nn.Linear(4 * 3 * 3, 5),
        new nn.LogSoftmax({ dim: 1 }),
      ),
    (n) => [randn([n, 2, 6, 6])],
  ],
  [
    'bidirectional LSTM',
    () => new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true }),
    (n) => [randn([5, n, 3])],
    [1],
  ],
  ['GRU', () => new nn.GRU(3, 4, { batchFirst: true }), (n) => [randn([n, 5, 3])]],
  [
    'transformer encoder layer',
    () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }),
    (n) => [randn([n, 4, 8])],
  ],
];

describe('exportModel → importModel', () => {
  for (const [label, make, args, axes] of CASES) {
    it(label, async () => {
      const m = make();
      m.eval();
      const bytes = await exportModel(m, args(2), { dynamicAxes: { input: axes ?? [0] } });
      const imported = importModel(bytes);
      // Initialisers carry the state-dict keys, so the imported module has the same ones.
      const keys = (mod: nn.Module) =>
        Object.entries(mod.stateDict())
          .filter(([, t]) => t.dtype === 'float32')
          .map(([k]) => k)
          .sort();
      expect(keys(imported)).toEqual(keys(m));
      for (const n of [2, 3]) {
        const inputs = args(n);
        const want = tensorsOf(m.forward(...inputs));
        const got = tensorsOf(imported.forward(...inputs));
        for (let k = 0; k < want.length; k++) {
          expectClose(
            (await got[k].data()) as Float32Array,
            (await want[k].data()) as Float32Array,
            `${label} output ${k}`,
          );
        }
      }
    });
  }
});
