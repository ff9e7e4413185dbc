/**
 * float16 and bfloat16 against PyTorch 1.13 (fixtures/half/, written by
 * tooling/fixtures/ops_half.py): conversions bit for bit (rounding to nearest even, subnormals,
 * overflow, NaN), numbers through tensor(), exact decoding, ops in each dtype within a few
 * ulps of PyTorch's CPU result (half-ops.ts), type promotion pair by pair, and a float16
 * safetensors model reproducing PyTorch's float32 logits within float16 tolerance. (Every
 * float op's float16/bfloat16 row against float64 is the half-ops fixture family; both are
 * bounded by the one table in half-tolerances.ts.)
 */
import { readFileSync } from 'node:fs';
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { ulpOf } from '../half-tolerances.js';
import { check, expectThrows, type SuiteContext } from './context.js';
import { DIR, decodeNum, type Half, index, type Spec } from './half-data.js';
import { halfOpCases } from './half-ops.js';

function bitsOf(dtype: Half, xs: readonly number[]): number[] {
  return xs.map((v) => (dtype === 'float16' ? L.toFloat16Bits(v) : L.toBFloat16Bits(v)));
}

const isNanBits = (dtype: Half, h: number) =>
  dtype === 'float16'
    ? (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0
    : (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;

function makeSpec(s: Spec): L.Tensor | number | boolean {
  if ('scalar' in s) return s.scalar;
  return L.ones(new Array(s.dim).fill(2), { dtype: s.dtype });
}

export function halfBehaviour(ctx: SuiteContext): void {
  describe('half', () => {
    const c = (title: string, fn: () => Promise<void> | void, timeoutMs?: number) =>
      check(ctx, 'half', title, fn, timeoutMs);

    c('float32 -> float16/bfloat16 rounds as PyTorch, bit for bit (NaN: any NaN)', async () => {
      const { encode } = index();
      const f32 = new Float32Array(new Uint32Array(encode.f32).buffer);
      const src = L.tensor(f32);
      for (const dtype of ['float16', 'bfloat16'] as const) {
        const got = Array.from(await src.to(dtype).data());
        const want = encode[dtype];
        const bad: string[] = [];
        got.forEach((h, i) => {
          const ok = isNanBits(dtype, want[i]) ? isNanBits(dtype, h) : h === want[i];
          if (!ok)
            bad.push(
              `0x${encode.f32[i].toString(16)} -> 0x${h.toString(16)}, torch 0x${want[i].toString(16)}`,
            );
        });
        expect(bad.slice(0, 5), `${dtype}: ${bad.length} of ${got.length} differ`).toEqual([]);
        // Core's host converters (used by tensor() and the backends) agree too.
        const host = bitsOf(dtype, Array.from(f32));
        expect(
          host.filter((h, i) => !(isNanBits(dtype, want[i]) ? isNanBits(dtype, h) : h === want[i])),
        ).toEqual([]);
      }
      // The canonical NaNs layers writes: float16 keeps the sign, bfloat16 does not (c10).
      const nan = Array.from(await L.tensor([Number.NaN, -Number.NaN]).half().data());
      expect(isNanBits('float16', nan[0] ?? 0) && isNanBits('float16', nan[1] ?? 0)).toBe(true);
    });

    c('tensor(numbers, { dtype }) rounds through float32 as torch.tensor does', async () => {
      const { numbers } = index();
      for (const dtype of ['float16', 'bfloat16'] as const) {
        const t = L.tensor(numbers.values, { dtype });
        expect(t.dtype).toBe(dtype);
        expect(Array.from(await t.data())).toEqual(numbers[dtype]);
      }
    });

    c('float16/bfloat16 -> float32 is exact; toArray and item give the numbers', async () => {
      const { decode } = index();
      const bits = Uint16Array.from(decode.float16);
      const h = L.tensor(bits, { dtype: 'float16' });
      const f = new Uint32Array((await h.float().data()).buffer);
      const bad = decode.f32.filter((w, i) => {
        const isNan = (w & 0x7f800000) === 0x7f800000 && (w & 0x7fffff) !== 0;
        return isNan ? !((f[i] & 0x7f800000) === 0x7f800000 && (f[i] & 0x7fffff) !== 0) : f[i] !== w;
      });
      expect(bad.length).toBe(0);
      const b = L.tensor([1.5, -2, 3.25e-39], { dtype: 'bfloat16' });
      expect(await b.toArray()).toEqual([1.5, -2, L.fromBFloat16Bits(L.toBFloat16Bits(3.25e-39))]);
      expect(await L.tensor(0.1, { dtype: 'float16' }).item()).toBe(L.fromFloat16Bits(0x2e66));
      const d = await h.data();
      expect(d).toBeInstanceOf(Uint16Array);
      // A strided view and a slice read back in logical order, a copy of each 16-bit half-word.
      const m = L.tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { dtype: 'float16' },
      );
      expect(await m.transpose(0, 1).toArray()).toEqual([
        [1, 4],
        [2, 5],
        [3, 6],
      ]);
      expect(await m.narrow(1, 1, 1).contiguous().toArray()).toEqual([[2], [5]]);
    });

    c(
      'writes into a strided 16-bit view touch only their elements (odd offsets, halves of a word)',
      async () => {
        for (const dtype of ['float16', 'bfloat16'] as const) {
          // cat writes each piece into a strided window of the output: widths 1, 3, 1 start at
          // odd and even elements of a row, so two pieces share words of the packed layout.
          const t = L.cat(
            [L.zeros([3, 1], { dtype }), L.full([3, 3], 7, { dtype }), L.full([3, 1], -0.5, { dtype })],
            1,
          );
          expect(await t.toArray()).toEqual([
            [0, 7, 7, 7, -0.5],
            [0, 7, 7, 7, -0.5],
            [0, 7, 7, 7, -0.5],
          ]);
          const mixed = L.cat([L.ones([1], { dtype }), L.tensor([2.5]), L.ones([1], { dtype })]);
          expect(mixed.dtype).toBe('float32');
          expect(await L.full([5], 65520, { dtype: 'float16' }).toArray()).toEqual(
            new Array(5).fill(Infinity),
          );
        }
      },
    );

    halfOpCases(ctx);

    c('type promotion matches torch.result_type (Python scalars weak, 0-d tensors by category)', () => {
      const bad: string[] = [];
      for (const p of index().promotion) {
        // bool with bool (PyTorch adds as logical or) is not a float question, and not every
        // backend has a bool add kernel.
        const isBool = (q: Spec) => ('scalar' in q ? typeof q.scalar === 'boolean' : q.dtype === 'bool');
        if (isBool(p.a) && isBool(p.b)) continue;
        const a = makeSpec(p.a);
        const b = makeSpec(p.b);
        const r = a instanceof L.Tensor ? a.add(b as L.Tensor) : (b as L.Tensor).add(a as number);
        const want = p.dtype === 'int64' ? 'int32' : p.dtype === 'float64' ? 'float32' : p.dtype;
        if (r.dtype !== want)
          bad.push(`${JSON.stringify(p.a)} + ${JSON.stringify(p.b)}: ${r.dtype}, torch ${want}`);
      }
      expect(bad).toEqual([]);
    });

    c('clear errors: mixed float dtypes in matmul and conv, integer dtypes to module.to', () => {
      const a = L.ones([2, 2], { dtype: 'float16' });
      expectThrows(() => a.matmul(L.ones([2, 2])), 'matmul', 'float16', 'float32');
      const conv = new L.nn.Conv2d(1, 1, 1);
      expectThrows(() => conv.forward(L.ones([1, 1, 2, 2], { dtype: 'bfloat16' })), 'bfloat16', 'float32');
      expectThrows(() => new L.nn.Linear(2, 2).to({ dtype: 'int32' }), 'floating-point dtype', 'int32');
      expectThrows(() => L.ones([2], { dtype: 'float8' as L.DType }), "unsupported dtype 'float8'");
    });

    c(
      'module.half(), float(), bfloat16() and to({ dtype }) convert float parameters and buffers in place',
      async () => {
        const bn = new L.nn.BatchNorm1d(3);
        const w = bn.weight;
        bn.half();
        expect(bn.weight).toBe(w);
        if (!bn.weight) throw new Error('BatchNorm1d: no weight');
        expect(bn.weight.dtype).toBe('float16');
        const sd = bn.stateDict();
        expect(sd.running_mean?.dtype).toBe('float16');
        expect(sd.num_batches_tracked?.dtype).toBe('int32');
        bn.to({ dtype: 'bfloat16' });
        expect(bn.weight.dtype).toBe('bfloat16');
        bn.float();
        expect(bn.weight.dtype).toBe('float32');
        const lin = new L.nn.Linear(3, 2).bfloat16();
        const y = lin.forward(L.ones([4, 3], { dtype: 'bfloat16' }));
        expect(y.dtype).toBe('bfloat16');
        const t = L.tensor([1, 2]).to({ dtype: 'float16' });
        expect(t.dtype).toBe('float16');
        expect(t.half()).toBe(t);
        expect(t.bfloat16().dtype).toBe('bfloat16');
      },
    );

    c(
      'a float16 safetensors model saved by PyTorch reproduces its float32 logits within float16 tolerance',
      async () => {
        const { model } = index();
        const bytes = new Uint8Array(readFileSync(new URL(model.file, DIR)));
        const dict = L.nn.loadSafetensors(bytes);
        expect(dict['conv1.weight']?.dtype).toBe('float16');
        const build = () =>
          new L.nn.Sequential(
            new L.nn.Conv2d(1, 4, 3, { padding: 1 }),
            new L.nn.ReLU(),
            new L.nn.MaxPool2d(2),
            new L.nn.Conv2d(4, 8, 3),
            new L.nn.ReLU(),
            new L.nn.MaxPool2d(2),
            new L.nn.Flatten(),
            new L.nn.Linear(32, 5),
          );
        const rename = (d: Record<string, L.Tensor>) =>
          Object.fromEntries(
            Object.entries(d).map(([k, v]) => [
              k.replace('conv1.', '0.').replace('conv2.', '3.').replace('fc.', '7.'),
              v,
            ]),
          );
        const x = L.tensor(model.input.data.map(decodeNum), { shape: model.input.shape });
        // In float16: the module takes the stored dtype, computes in float16.
        const half = build().half();
        half.loadStateDict(rename(dict));
        half.eval();
        const yh = L.decodeHalf('float16', await half.forward(x.half()).data());
        const ref32 = model.logits32.data.map(decodeNum);
        const big = Math.max(...ref32.map(Math.abs));
        // Weights and activations each carry float16's 2^-11 relative rounding; a few ulps of the largest logit.
        const tol = 8 * ulpOf('float16', big);
        ref32.forEach((r, i) => {
          expect(Math.abs((yh[i] ?? Number.NaN) - r), `logit ${i}`).toBeLessThanOrEqual(tol);
        });
        // Loaded into a float32 model, the float16 weights are exact: float32 tolerance against float64.
        const f32 = build();
        f32.loadStateDict(rename(dict));
        f32.eval();
        const y32 = await f32.forward(x.half().float()).data();
        model.f64HalfWeights.data.map(decodeNum).forEach((r, i) => {
          expect(Math.abs((y32[i] ?? Number.NaN) - r)).toBeLessThanOrEqual(1e-5 * Math.max(1, big));
        });
        // And saves back as F16, byte-identical tensors.
        const again = L.nn.loadSafetensors(await L.nn.saveSafetensors(dict));
        expect(Array.from(await again['fc.weight']!.data())).toEqual(
          Array.from(await dict['fc.weight']!.data()),
        );
        expect(again['fc.weight']!.dtype).toBe('float16');
      },
    );
  });
}
