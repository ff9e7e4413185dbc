/**
 * Random numbers: reproducibility, the Philox stream bit for bit against core's reference,
 * and distribution statistics over 100k samples with bounds of 5 standard errors (a correct
 * generator fails one of these with probability < 1e-5).
 */
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { assertClose, check, type SuiteContext, values } from './context.js';

const N = 100_000;
const SE = (variance: number) => 5 * Math.sqrt(variance / N);

function moments(v: number[]): { mean: number; variance: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const variance = v.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (v.length - 1);
  return { mean, variance };
}

export function randomBehaviour(ctx: SuiteContext): void {
  describe('random', () => {
    const c = (title: string, fn: () => Promise<void> | void) => check(ctx, 'random', title, fn);

    c('manualSeed makes rand, randn and randint reproducible', async () => {
      const draw = async () => {
        L.manualSeed(1234);
        return [
          await values(L.rand([37])),
          await values(L.randn([37])),
          await values(L.randint(0, 10, [37])),
        ];
      };
      const a = await draw();
      const b = await draw();
      expect(b).toEqual(a);
      L.manualSeed(1235);
      expect(await values(L.rand([37]))).not.toEqual(a[0]);
      // consecutive draws without reseeding differ
      L.manualSeed(1234);
      const first = await values(L.rand([8]));
      expect(await values(L.rand([8]))).not.toEqual(first);
    });

    c('backend random kernel matches the Philox reference (uniform exactly, normal to float32)', async () => {
      const be = ctx.backend();
      const state: L.PhiloxState = { key: [0x12345678, 0x9abcdef0], counter: [5, 1] };
      for (const kind of ['uniform', 'normal'] as const) {
        const n = 1003; // not a multiple of 4: the last block is partial
        const ref = new Float32Array(n);
        L.philoxFill(kind, state, ref);
        const buf = be.alloc(n, 'float32');
        be.random(kind, state, { buffer: buf, dtype: 'float32', shape: [n], strides: [1], offset: 0 });
        const got = (await be.read(buf, 'float32', n)) as Float32Array;
        be.release(buf);
        for (let i = 0; i < n; i++) {
          // uniform values are exact multiples of 2^-24; Box-Muller goes through log/cos/sin,
          // which a float32 device evaluates to a few ulps (|z| < 6, so 4e-6 absolute).
          const tol = kind === 'uniform' ? 0 : 4e-6;
          if (!(Math.abs(got[i] - ref[i]) <= tol)) {
            throw new Error(`${kind}[${i}]: expected ${ref[i]} (Philox reference), got ${got[i]}`);
          }
        }
      }
    });

    c('rand: [0, 1), mean 1/2, variance 1/12', async () => {
      L.manualSeed(11);
      const v = await values(L.rand([N]));
      expect(v.every((x) => x >= 0 && x < 1)).toBe(true);
      const m = moments(v);
      assertClose(m.mean, 0.5, SE(1 / 12), 'mean');
      // Var(sample variance) ~ (mu4 - sigma^4) / n with mu4 = 1/80 for U(0, 1)
      assertClose(m.variance, 1 / 12, SE(1 / 80 - 1 / 144), 'variance');
    });

    c('randn: mean 0, variance 1, symmetric tails', async () => {
      L.manualSeed(12);
      const v = await values(L.randn([N]));
      expect(v.every(Number.isFinite)).toBe(true);
      const m = moments(v);
      assertClose(m.mean, 0, SE(1), 'mean');
      assertClose(m.variance, 1, SE(2), 'variance'); // mu4 - sigma^4 = 3 - 1
      // P(|z| > 1.96) = 0.05: binomial standard error sqrt(0.05 * 0.95 / n)
      const tail = v.filter((x) => Math.abs(x) > 1.959964).length / N;
      assertClose(tail, 0.05, SE(0.05 * 0.95), 'P(|z| > 1.96)');
    });

    c('randint: int32 in [low, high), uniform over the values (chi-square)', async () => {
      L.manualSeed(13);
      const t = L.randint(-3, 3, [60_000]);
      expect(t.dtype).toBe('int32');
      const v = await values(t);
      const counts = new Map<number, number>();
      for (const x of v) counts.set(x, (counts.get(x) ?? 0) + 1);
      expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2]);
      const e = v.length / 6;
      const chi2 = [...counts.values()].reduce((a, o) => a + ((o - e) * (o - e)) / e, 0);
      // 5 degrees of freedom: P(chi2 > 40) ~ 1e-7
      expect(chi2).toBeLessThan(40);
    });

    c('randLike and randnLike follow the shape', () => {
      const t = L.zeros([3, 2]);
      expect(L.randLike(t).shape).toEqual([3, 2]);
      expect(L.randnLike(t).shape).toEqual([3, 2]);
      expect(L.rand([2, 3]).dtype).toBe('float32');
    });
  });
}
