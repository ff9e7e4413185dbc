/**
 * nn-basic behaviour: what per-case fixtures cannot express. State-dict key lists against
 * PyTorch's, safetensors files written by Python (a trained model reproducing PyTorch's eval
 * output, every accepted dtype), dropout statistics, Embedding/Linear/BatchNorm errors and
 * initialisation, and a BatchNorm training loop that must not leak.
 */
import { readFileSync } from 'node:fs';
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { assertArrayClose, check, expectThrows, type SuiteContext, values } from './context.js';

const DIR = new URL('../../fixtures/nn-basic/', import.meta.url);
const readBytes = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));

interface Extra {
  stateDictKeys: Record<string, string[]>;
  model: { keys: string[]; input: number[][]; expected: number[][] };
  dtypes: Record<string, { dtype: string; shape: number[]; values: number[] }>;
}

const nn = L.nn;

/** The layers twin of each PyTorch constructor in nn_basic.py's state_dict_keys(). */
const MODULES: Record<string, () => L.nn.Module> = {
  'Linear(3, 4)': () => new nn.Linear(3, 4),
  'Linear(3, 4, bias=False)': () => new nn.Linear(3, 4, { bias: false }),
  'Bilinear(2, 3, 4)': () => new nn.Bilinear(2, 3, 4),
  'PReLU(3)': () => new nn.PReLU({ numParameters: 3 }),
  'Embedding(5, 2, padding_idx=0)': () => new nn.Embedding(5, 2, { paddingIdx: 0 }),
  'BatchNorm1d(3)': () => new nn.BatchNorm1d(3),
  'BatchNorm2d(3, affine=False)': () => new nn.BatchNorm2d(3, { affine: false }),
  'BatchNorm3d(3, track_running_stats=False)': () => new nn.BatchNorm3d(3, { trackRunningStats: false }),
  'LayerNorm([2, 3])': () => new nn.LayerNorm([2, 3]),
  'LayerNorm(4, elementwise_affine=False)': () => new nn.LayerNorm(4, { elementwiseAffine: false }),
  'GroupNorm(2, 4)': () => new nn.GroupNorm(2, 4),
  'GroupNorm(2, 4, affine=False)': () => new nn.GroupNorm(2, 4, { affine: false }),
  'Sequential(Linear, ReLU, Dropout, BatchNorm1d, GELU)': () =>
    new nn.Sequential(
      new nn.Linear(3, 4),
      new nn.ReLU(),
      new nn.Dropout(),
      new nn.BatchNorm1d(4),
      new nn.GELU(),
    ),
  'RMSNorm(4)': () => new nn.RMSNorm(4),
  'RMSNorm(4, elementwise_affine=False)': () => new nn.RMSNorm(4, { elementwiseAffine: false }),
};

export function nnBasicBehaviour(ctx: SuiteContext): void {
  describe('nn-basic', () => {
    const c = (title: string, fn: () => Promise<void> | void) => check(ctx, 'nn-basic', title, fn);
    const extra = () => JSON.parse(readFileSync(new URL('extra.json', DIR), 'utf8')) as Extra;

    c("stateDict keys match PyTorch's state_dict() for every module", () => {
      const want = extra().stateDictKeys;
      for (const [name, expected] of Object.entries(want)) {
        const make = MODULES[name];
        if (!make) throw new Error(`no layers twin for ${name}`);
        expect(Object.keys(make().stateDict()), name).toEqual(expected);
      }
    });

    c(
      "a model saved by PyTorch as safetensors loads with loadStateDict and reproduces PyTorch's eval output",
      async () => {
        const { model } = extra();
        const m = new nn.Sequential(
          new nn.Embedding(10, 4, { paddingIdx: 0 }),
          new nn.Flatten(),
          new nn.Linear(12, 6),
          new nn.BatchNorm1d(6),
          new nn.GELU(),
          new nn.Linear(6, 3),
        );
        const dict = L.nn.loadSafetensors(readBytes('model.safetensors'));
        expect(Object.keys(dict).sort()).toEqual([...model.keys].sort());
        // num_batches_tracked arrives as I64 and is converted to int32.
        expect(dict['3.num_batches_tracked'].dtype).toBe('int32');
        m.loadStateDict(dict);
        expect(await (m.stateDict()['3.num_batches_tracked'] as L.Tensor).item()).toBe(3);
        m.eval();
        const y = L.noGrad(() => m.forward(L.tensor(model.input, { dtype: 'int32' })) as L.Tensor);
        expect(y.shape).toEqual([4, 3]);
        assertArrayClose(await values(y), model.expected.flat(), 2e-5, 'eval output');
      },
    );

    c(
      'loadSafetensors keeps F16/BF16 as float16/bfloat16, converts F64 to float32 and I64/I16/I8/U8 to int32; I64 overflow is an error',
      async () => {
        const dict = L.nn.loadSafetensors(readBytes('dtypes.safetensors'));
        for (const [name, e] of Object.entries(extra().dtypes)) {
          const t = dict[name];
          expect(t.shape, name).toEqual(e.shape);
          const isFloat = ['F64', 'F32', 'F16', 'BF16'].includes(e.dtype);
          const half = e.dtype === 'F16' ? 'float16' : e.dtype === 'BF16' ? 'bfloat16' : null;
          expect(t.dtype, name).toBe(half ?? (isFloat ? 'float32' : e.dtype === 'BOOL' ? 'bool' : 'int32'));
          const want = isFloat ? e.values.map(Math.fround) : e.values;
          // Stored 16-bit values are exact float32 values: float() gives them back.
          expect(await values(half ? t.float() : t), name).toEqual(want);
        }
        expectThrows(() => L.nn.loadSafetensors(readBytes('big_i64.safetensors')), 'too_big', 'int32');
      },
    );

    c('saveSafetensors writes the reference layout and loads back', async () => {
      const dict = {
        b: L.tensor([
          [1.5, -2],
          [3.25, 0],
        ]),
        a: L.tensor([7, -8, 9], { dtype: 'int32' }),
        c: L.tensor([true, false]),
      };
      const bytes = await L.nn.saveSafetensors(dict, { format: 'pt' });
      const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
      expect(n % 8).toBe(0);
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
      expect(header.__metadata__).toEqual({ format: 'pt' });
      expect(header.a).toEqual({ dtype: 'I32', shape: [3], data_offsets: [0, 12] });
      expect(header.b).toEqual({ dtype: 'F32', shape: [2, 2], data_offsets: [12, 28] });
      expect(header.c).toEqual({ dtype: 'BOOL', shape: [2], data_offsets: [28, 30] });
      expect(bytes.length).toBe(8 + n + 30);
      const back = L.nn.loadSafetensors(bytes);
      expect(await values(back.b)).toEqual([1.5, -2, 3.25, 0]);
      expect(await values(back.a)).toEqual([7, -8, 9]);
      expect(back.c.dtype).toBe('bool');
      expect(await values(back.c)).toEqual([1, 0]);
    });

    c('dropout zeroes with probability p, scales by 1/(1-p), and is the identity in eval', async () => {
      L.manualSeed(11);
      const n = 20000;
      const p = 0.3;
      const x = L.ones([n]).requiresGrad_();
      const y = L.F.dropout(x, p, true);
      const v = await values(y);
      const zeros = v.filter((e) => e === 0).length;
      // Binomial(n, p): 5 standard deviations.
      expect(Math.abs(zeros / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
      for (const e of v) if (e !== 0) expect(Math.abs(e - 1 / (1 - p))).toBeLessThan(1e-6);
      y.sum().backward();
      expect(await values(x.grad!)).toEqual(v); // d(x * mask / (1 - p)) / dx
      const m = new nn.Dropout({ p: 0.9 }).eval();
      expect(m.forward(x)).toBe(x);
      expect(await values(L.F.dropout(L.ones([4]), 1, true))).toEqual([0, 0, 0, 0]);
    });

    c('Dropout2d drops whole channels', async () => {
      L.manualSeed(12);
      const [nb, ch, hw] = [8, 250, 4];
      const y = new nn.Dropout2d({ p: 0.5 }).forward(L.ones([nb, ch, 2, 2]));
      const v = await values(y);
      let dropped = 0;
      for (let i = 0; i < nb * ch; i++) {
        const block = v.slice(i * hw, (i + 1) * hw);
        expect(new Set(block).size).toBe(1); // a channel is all kept (2) or all dropped (0)
        if (block[0] === 0) dropped++;
        else expect(block[0]).toBeCloseTo(2, 6);
      }
      expect(Math.abs(dropped / (nb * ch) - 0.5)).toBeLessThan(5 * Math.sqrt(0.25 / (nb * ch)));
    });

    c('Embedding: N(0, 1) init, zero padding row that gradients never update, clear errors', async () => {
      L.manualSeed(13);
      const e = new nn.Embedding(400, 10, { paddingIdx: 2 });
      const w = await values(e.weight);
      expect(w.slice(20, 30)).toEqual(new Array(10).fill(0));
      const rest = w.filter((_, i) => i < 20 || i >= 30);
      const mean = rest.reduce((a, b) => a + b, 0) / rest.length;
      const variance = rest.reduce((a, b) => a + (b - mean) ** 2, 0) / rest.length;
      expect(Math.abs(mean)).toBeLessThan(0.1);
      expect(Math.abs(variance - 1)).toBeLessThan(0.1);
      const out = e.forward(
        L.tensor(
          [
            [2, 5],
            [2, 2],
          ],
          { dtype: 'int32' },
        ),
      );
      expect(out.shape).toEqual([2, 2, 10]);
      out.sum().backward();
      const g = await values(e.weight.grad!);
      expect(g.slice(20, 30)).toEqual(new Array(10).fill(0));
      expect(g.slice(50, 60)).toEqual(new Array(10).fill(1));
      expectThrows(() => e.forward(L.tensor([1.5])), 'Embedding', 'int32', 'float32');
      if (ctx.backend().readSync) {
        expectThrows(
          () => e.forward(L.tensor([0, 400], { dtype: 'int32' })),
          'Embedding',
          '400',
          'out of range',
        );
        expectThrows(() => e.forward(L.tensor([-1], { dtype: 'int32' })), 'Embedding', '-1', 'out of range');
      }
    });

    c('Linear and BatchNorm name the layer, the expected and the actual shape or dtype', () => {
      const lin = new nn.Linear(4, 2);
      expectThrows(
        () => lin.forward(L.ones([3, 4], { dtype: 'int32' })),
        'Linear expected a float input, got int32',
      );
      expectThrows(() => lin.forward(L.ones([3, 5])), 'Linear', '4', '5', '[3, 5]');
      expectThrows(
        () => new nn.BatchNorm2d(3).forward(L.ones([3, 4, 4])),
        'BatchNorm2d',
        '4-D',
        '3-D',
        '[3, 4, 4]',
      );
      expectThrows(() => new nn.BatchNorm1d(3).forward(L.ones([2, 4])), 'BatchNorm1d', '3 channels', 'got 4');
      expectThrows(() => new nn.BatchNorm1d(3).forward(L.ones([1, 3])), 'more than 1 value per channel');
      expectThrows(() => new nn.LayerNorm([4]).forward(L.ones([2, 3])), 'normalizedShape', '[2, 3]');
    });

    c('Linear init: kaiming_uniform(a=sqrt(5)) and bias within 1/sqrt(inFeatures)', async () => {
      L.manualSeed(14);
      const lin = new nn.Linear(25, 200);
      const bound = 1 / 5;
      const w = await values(lin.weight);
      expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
      // U(-b, b) has variance b^2 / 3.
      const variance = w.reduce((a, b) => a + b * b, 0) / w.length;
      expect(Math.abs(variance - (bound * bound) / 3)).toBeLessThan(0.1 * ((bound * bound) / 3));
      expect(Math.max(...(await values(lin.bias!)).map(Math.abs))).toBeLessThanOrEqual(bound);
    });

    c('a BatchNorm training loop keeps its tensor count flat', async () => {
      const m = new nn.Sequential(
        new nn.Linear(4, 8),
        new nn.BatchNorm1d(8),
        new nn.ReLU(),
        new nn.LayerNorm(8),
      );
      const x = L.randn([16, 4]);
      const step = () =>
        L.tidy(() => {
          (m.forward(x) as L.Tensor).square().mean().backward();
          for (const p of m.parameters()) {
            p.grad?.dispose();
            p.grad = null;
          }
        });
      step();
      const before = L.memory().tensors;
      for (let i = 0; i < 30; i++) step();
      expect(L.memory().tensors).toBe(before);
      expect(await (m.stateDict()['1.num_batches_tracked'] as L.Tensor).item()).toBe(31);
      x.dispose();
    });
  });
}
