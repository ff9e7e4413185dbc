/**
 * nn-seq behaviour: what per-case fixtures cannot express for recurrent layers, attention and
 * transformers. State-dict keys and shapes against PyTorch's (fixtures/nn-seq/extra.json),
 * initialisation bounds, dropout between RNN layers by statistics, the isCausal hint, deep
 * copies in TransformerEncoder, clear errors, and a training loop that must not leak.
 */
import { readFileSync } from 'node:fs';
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { assertArrayClose, check, expectThrows, type SuiteContext, values } from './context.js';

const DIR = new URL('../../fixtures/nn-seq/', import.meta.url);

interface Extra {
  stateDictKeys: Record<string, [string, number[]][]>;
}

const nn = L.nn;

/** The layers twin of each PyTorch constructor in nn_seq.py's STATE_DICT_MODULES. */
const MODULES: Record<string, () => L.nn.Module> = {
  'RNN(3, 4, num_layers=2, nonlinearity=relu)': () =>
    new nn.RNN(3, 4, { numLayers: 2, nonlinearity: 'relu' }),
  'LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2)': () =>
    new nn.LSTM(3, 5, { numLayers: 2, bidirectional: true, projSize: 2 }),
  'GRU(3, 4, bias=False, batch_first=True)': () => new nn.GRU(3, 4, { bias: false, batchFirst: true }),
  'RNNCell(3, 4)': () => new nn.RNNCell(3, 4),
  'LSTMCell(3, 4, bias=False)': () => new nn.LSTMCell(3, 4, { bias: false }),
  'GRUCell(3, 4)': () => new nn.GRUCell(3, 4),
  'MultiheadAttention(6, 2)': () => new nn.MultiheadAttention(6, 2),
  'MultiheadAttention(6, 2, bias=False, add_bias_kv=True, kdim=4, vdim=5)': () =>
    new nn.MultiheadAttention(6, 2, { bias: false, addBiasKv: true, kdim: 4, vdim: 5 }),
  'TransformerEncoderLayer(4, 2, dim_feedforward=6)': () =>
    new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 6 }),
  'TransformerDecoderLayer(4, 2, dim_feedforward=6)': () =>
    new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 6 }),
  'TransformerEncoder(layer, 2, norm=LayerNorm(4))': () =>
    new nn.TransformerEncoder(new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 6 }), 2, {
      norm: new nn.LayerNorm(4),
    }),
  'Transformer(d_model=4, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=6)': () =>
    new nn.Transformer({ dModel: 4, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 1, dimFeedforward: 6 }),
};

function stats(v: number[]): { min: number; max: number; mean: number; variance: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
  return { min: Math.min(...v), max: Math.max(...v), mean, variance };
}

export function nnSeqBehaviour(ctx: SuiteContext): void {
  describe('nn-seq', () => {
    const c = (title: string, fn: () => Promise<void> | void) => check(ctx, 'nn-seq', title, fn);

    c("stateDict keys and shapes match PyTorch's state_dict(), in order", () => {
      const want = (JSON.parse(readFileSync(new URL('extra.json', DIR), 'utf8')) as Extra).stateDictKeys;
      for (const [name, expected] of Object.entries(want)) {
        const make = MODULES[name];
        if (!make) throw new Error(`no layers twin for ${name}`);
        const got = Object.entries(make().stateDict()).map(([k, t]) => [k, t.shape]);
        expect(got, name).toEqual(expected);
      }
    });

    c(
      'RNN/LSTM/GRU parameters are U(-1/sqrt(hidden), 1/sqrt(hidden)); MHA follows xavier_uniform_ with zero biases',
      async () => {
        L.manualSeed(11);
        const H = 64;
        const k = 1 / Math.sqrt(H);
        for (const m of [new nn.LSTM(32, H), new nn.GRU(32, H), new nn.RNNCell(32, H)]) {
          const all = (await Promise.all(m.parameters().map(values))).flat();
          const s = stats(all);
          expect(s.min).toBeGreaterThanOrEqual(-k);
          expect(s.max).toBeLessThanOrEqual(k);
          // U(-k, k): mean 0 and variance k^2/3, within a few standard errors for > 10^4 draws.
          expect(Math.abs(s.mean)).toBeLessThan(0.02 * k);
          expect(Math.abs(s.variance / ((k * k) / 3) - 1)).toBeLessThan(0.05);
        }
        const mha = new nn.MultiheadAttention(48, 4);
        const bound = Math.sqrt(6 / (48 + 3 * 48)); // fan_in 48, fan_out 144
        const w = stats(await values(mha.in_proj_weight!));
        expect(w.max).toBeLessThanOrEqual(bound);
        expect(Math.abs(w.variance / ((bound * bound) / 3) - 1)).toBeLessThan(0.05);
        expect((await values(mha.in_proj_bias!)).every((v) => v === 0)).toBe(true);
        expect((await values(mha.out_proj.bias!)).every((v) => v === 0)).toBe(true);
      },
    );

    c(
      'dropout between RNN layers: training drops ~p of the layer outputs and scales the rest by 1/(1-p); eval is the identity',
      async () => {
        L.manualSeed(5);
        const H = 8;
        const p = 0.3;
        // Layer 0 and layer 1 are relu(x) with identity input weights and no recurrence, so the
        // output is exactly relu(dropout(relu(x))): each element either 0 or x / (1 - p).
        const rnn = new nn.RNN(H, H, { numLayers: 2, nonlinearity: 'relu', dropout: p, bias: false });
        L.noGrad(() => {
          for (const l of [0, 1]) {
            rnn.loadStateDict(
              {
                [`weight_ih_l${l}`]: L.eye(H),
                [`weight_hh_l${l}`]: L.zeros([H, H]),
              },
              { strict: false },
            );
          }
        });
        const x = L.rand([20, 25, H]).add(0.5);
        const xs = await values(x);
        const [yTrain] = rnn.forward(x);
        const ys = await values(yTrain);
        let zeros = 0;
        for (let i = 0; i < ys.length; i++) {
          if (ys[i] === 0) zeros++;
          else expect(Math.abs(ys[i] - xs[i] / (1 - p))).toBeLessThan(1e-5);
        }
        const n = ys.length;
        const sd = Math.sqrt((p * (1 - p)) / n);
        expect(Math.abs(zeros / n - p)).toBeLessThan(5 * sd);
        rnn.eval();
        const [yEval] = rnn.forward(x);
        assertArrayClose(await values(yEval), xs, 1e-6, 'eval output');
      },
    );

    c(
      'isCausal: MultiheadAttention builds the causal mask when none is given; SDPA refuses a mask with isCausal',
      async () => {
        L.manualSeed(2);
        const mha = new nn.MultiheadAttention(6, 2);
        const x = L.randn([5, 2, 6]);
        const mask = nn.Transformer.generateSquareSubsequentMask(5);
        const [a, wa] = mha.forward(x, x, x, { attnMask: mask });
        const [b, wb] = mha.forward(x, x, x, { isCausal: true });
        assertArrayClose(await values(b), await values(a), 1e-6, 'causal output');
        assertArrayClose(await values(wb!), await values(wa!), 1e-6, 'causal weights');
        const q = L.randn([2, 4, 3]);
        const s1 = L.F.scaledDotProductAttention(q, q, q, { isCausal: true });
        const keep = L.tensor([
          [true, false, false, false],
          [true, true, false, false],
          [true, true, true, false],
          [true, true, true, true],
        ]);
        const s2 = L.F.scaledDotProductAttention(q, q, q, { attnMask: keep });
        assertArrayClose(await values(s1), await values(s2), 1e-6, 'sdpa causal vs bool mask');
        expectThrows(
          () => L.F.scaledDotProductAttention(q, q, q, { attnMask: keep, isCausal: true }),
          'scaledDotProductAttention',
          'isCausal',
        );
      },
    );

    c(
      'TransformerEncoder deep-copies its layer: copies start identical and train independently',
      async () => {
        const layer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 6 });
        const enc = new nn.TransformerEncoder(layer, 3);
        const sd = enc.stateDict();
        const own = layer.stateDict();
        for (const [k, t] of Object.entries(own)) {
          for (const i of [0, 1, 2]) {
            const copy = sd[`layers.${i}.${k}`];
            expect(copy, k).toBeDefined();
            expect(copy).not.toBe(t);
            expect(await values(copy)).toEqual(await values(t));
          }
        }
        L.nn.init.constant_(sd['layers.0.linear1.weight'], 1);
        expect(await values(sd['layers.1.linear1.weight'])).toEqual(await values(own['linear1.weight']));
      },
    );

    c('clear errors name the layer, the expected and the actual shapes', () => {
      const lstm = new nn.LSTM(10, 20, { numLayers: 2 });
      const x = L.randn([5, 3, 10]);
      expectThrows(
        () => lstm.forward(x, [L.zeros([1, 3, 20]), L.zeros([2, 3, 20])]),
        'LSTM expected hidden[0] size (2, 3, 20), got [1, 3, 20]',
      );
      expectThrows(
        () => lstm.forward(x, [L.zeros([2, 3, 20]), L.zeros([2, 2, 20])]),
        'LSTM expected hidden[1] size (2, 3, 20), got [2, 2, 20]',
      );
      expectThrows(
        () => new nn.GRU(10, 20).forward(x, L.zeros([1, 3, 21])),
        'GRU expected hidden size (1, 3, 20)',
      );
      expectThrows(() => lstm.forward(L.randn([5, 3, 7])), 'LSTM', '10 features', 'got 7', '[5, 3, 7]');
      expectThrows(
        () => lstm.forward(L.randn([5, 3, 2, 10])),
        'LSTM',
        '2-D (unbatched) or 3-D (batched)',
        '4-D',
      );
      expectThrows(
        () => lstm.forward(L.zeros([5, 3, 10], { dtype: 'int32' })),
        'LSTM expected a float input, got int32',
      );
      expectThrows(
        () => new nn.RNN(10, 20).forward(L.randn([5, 10]), L.zeros([1, 1, 20])),
        'RNN',
        'unbatched 2-D',
        '2-D',
      );
      expectThrows(
        () => new nn.LSTMCell(10, 20).forward(L.randn([3, 10]), [L.zeros([3, 20]), L.zeros([2, 20])]),
        'LSTMCell',
        'hx[1]',
        '[3, 20]',
        '[2, 20]',
      );
      const mha = new nn.MultiheadAttention(8, 2);
      const q = L.randn([4, 2, 8]);
      expectThrows(() => mha.forward(L.randn([4, 2, 6]), q, q), 'MultiheadAttention', '8 features', 'got 6');
      expectThrows(
        () => mha.forward(q, q, q, { attnMask: L.zeros([4, 5]) }),
        'MultiheadAttention',
        'attnMask',
        '[4, 5]',
        '(4, 4)',
      );
      expectThrows(
        () => mha.forward(q, q, q, { keyPaddingMask: L.zeros([2, 3]) }),
        'MultiheadAttention',
        'keyPaddingMask',
      );
      expectThrows(() => new nn.MultiheadAttention(10, 3), 'divisible');
      const tr = new nn.Transformer({
        dModel: 8,
        nhead: 2,
        numEncoderLayers: 1,
        numDecoderLayers: 1,
        dimFeedforward: 8,
      });
      expectThrows(() => tr.forward(L.randn([5, 2, 8]), L.randn([4, 3, 8])), 'batch number of src and tgt');
      expectThrows(() => tr.forward(L.randn([5, 2, 8]), L.randn([4, 2, 6])), 'dModel (8)');
    });

    c('an LSTM + attention training loop inside tidy leaves no tensors behind', async () => {
      L.manualSeed(9);
      const lstm = new nn.LSTM(4, 6, { numLayers: 2, dropout: 0.2 });
      const mha = new nn.MultiheadAttention(6, 2, { dropout: 0.1 });
      const opt = new L.optim.SGD([...lstm.parameters(), ...mha.parameters()], { lr: 0.01 });
      const x = L.randn([7, 3, 4]);
      const step = () =>
        L.tidy(() => {
          const [out] = lstm.forward(x);
          const [y] = mha.forward(out, out, out, { isCausal: true });
          y.square().mean().backward();
          opt.step();
          opt.zeroGrad();
        });
      step();
      const before = L.memory().tensors;
      for (let i = 0; i < 5; i++) step();
      expect(L.memory().tensors).toBe(before);
    });
  });
}
