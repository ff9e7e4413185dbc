/**
 * bernoulli, normal, randperm, multinomial: PyTorch's streams cannot be matched, so these
 * check distributions with fixed seeds against bounds derived below, each with a false-failure
 * probability of at most 1e-6 for a correct sampler, plus validity, reproducibility and errors.
 */
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { check, expectThrows, type SuiteContext, values } from './context.js';
import { expectIndexError } from './faults.js';

/**
 * Pearson's statistic of counts against probabilities. For 4 degrees of freedom
 * P(X > x) = exp(-x/2) (1 + x/2), which is 2.9e-7 at x = 36: the bound used below.
 */
function chiSquare(counts: number[], probs: number[], n: number): number {
  return counts.reduce((s, c, i) => s + (c - n * probs[i]) ** 2 / (n * probs[i]), 0);
}
const CHI2_DOF4 = 36;
/** |Z| > 5.5 has probability 3.8e-8 under the normal approximation (n = 20000 makes it tight). */
const Z = 5.5;

export function randomOpsBehaviour(ctx: SuiteContext): void {
  describe('random-ops', () => {
    const c = (title: string, fn: () => Promise<void> | void) => check(ctx, 'random-ops', title, fn);
    const probs = [0.1, 0.2, 0.3, 0.15, 0.25];

    c('multinomial with replacement matches the weights (chi-square, 4 dof)', async () => {
      L.manualSeed(7);
      const n = 20000;
      // Unnormalised weights: rows need not sum to 1.
      const draws = await values(L.multinomial(L.tensor(probs.map((p) => p * 3)), n, { replacement: true }));
      const counts = probs.map(() => 0);
      for (const d of draws) counts[d]++;
      expect(draws.length).toBe(n);
      expect(chiSquare(counts, probs, n)).toBeLessThan(CHI2_DOF4);
    });

    c(
      'multinomial without replacement: distinct, never a zero weight, first draw follows the weights',
      async () => {
        L.manualSeed(11);
        const rows = 4000;
        const w = L.tensor([...probs, 0])
          .reshape([1, 6])
          .expand([rows, 6]);
        const out = L.multinomial(w, 5);
        expect(out.shape).toEqual([rows, 5]);
        const v = await values(out);
        const first = probs.map(() => 0);
        for (let r = 0; r < rows; r++) {
          const row = v.slice(r * 5, r * 5 + 5);
          expect(new Set(row).size).toBe(5);
          expect(row.includes(5)).toBe(false);
          first[row[0]]++;
        }
        expect(chiSquare(first, probs, rows)).toBeLessThan(CHI2_DOF4);
      },
    );

    c('bernoulli and normal: frequencies and moments within 5.5 sigma', async () => {
      L.manualSeed(3);
      const n = 20000;
      const b = await values(L.bernoulli(L.zeros([n]), 0.3));
      const k = b.reduce((s, x) => s + x, 0);
      expect(b.every((x) => x === 0 || x === 1)).toBe(true);
      expect(Math.abs(k - 0.3 * n)).toBeLessThan(Z * Math.sqrt(n * 0.3 * 0.7));
      const pt = await values(L.full([n], 0.8).bernoulli());
      expect(Math.abs(pt.reduce((s, x) => s + x, 0) - 0.8 * n)).toBeLessThan(Z * Math.sqrt(n * 0.8 * 0.2));
      const edge = await values(L.bernoulli(L.tensor([0, 1, 0, 1])));
      expect(edge).toEqual([0, 1, 0, 1]);
      const x = await values(L.normal(2, L.full([n], 3)));
      const mean = x.reduce((s, v) => s + v, 0) / n;
      const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
      expect(Math.abs(mean - 2)).toBeLessThan((Z * 3) / Math.sqrt(n));
      // Var of the sample variance of a normal is 2 sigma^4 / (n - 1).
      expect(Math.abs(variance / 9 - 1)).toBeLessThan(Z * Math.sqrt(2 / (n - 1)));
      const bc = L.normal(L.zeros([3, 1]), L.ones([4]));
      expect(bc.shape).toEqual([3, 4]);
      expect(L.normal(0, 1, { size: [2, 5] }).shape).toEqual([2, 5]);
    });

    c('randperm is a permutation and the same seed gives the same draws', async () => {
      L.manualSeed(5);
      const p = await values(L.randperm(1000));
      expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      expect(L.randperm(0).shape).toEqual([0]);
      L.manualSeed(5);
      expect(await values(L.randperm(1000))).toEqual(p);
      L.manualSeed(9);
      const a = await values(L.multinomial(L.tensor(probs), 3));
      L.manualSeed(9);
      expect(await values(L.multinomial(L.tensor(probs), 3))).toEqual(a);
    });

    c('bad weights and sizes are clear errors', async () => {
      expectThrows(() => L.multinomial(L.tensor(probs), 6), 'multinomial', 'numSamples=6', '5 categories');
      expectThrows(() => L.multinomial(L.tensor(probs), 0), 'multinomial', 'positive integer');
      expectThrows(() => L.multinomial(L.zeros([2, 2, 2]), 1), 'multinomial', '3-D');
      expectThrows(() => L.bernoulli(L.zeros([2]), 1.5), 'bernoulli', 'p=1.5');
      expectThrows(() => L.normal(0, -1, { size: [2] }), 'normal', 'std=-1');
      expectThrows(() => L.randperm(-1), 'randperm', '-1');
      await expectIndexError(
        () => L.multinomial(L.tensor([0.5, -0.1, 0.2]), 1),
        'multinomial',
        'element < 0',
      );
      await expectIndexError(
        () =>
          L.multinomial(
            L.tensor([
              [0.5, 0.5],
              [0, 0],
            ]),
            1,
            { replacement: true },
          ),
        'multinomial',
        'sums to 0',
      );
      await expectIndexError(() => L.multinomial(L.tensor([0.5, 0, 0]), 2), 'multinomial', 'fewer than 2');
      await expectIndexError(() => L.bernoulli(L.tensor([0.5, 1.2])), 'bernoulli', '[0, 1]');
      await expectIndexError(() => L.normal(L.zeros([2]), L.tensor([1, -1])), 'normal', 'std >= 0');
    });
  });
}
