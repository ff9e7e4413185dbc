import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '../src/index.js';
import { empty, expectClose, f32, makeBackend, read, seq, tensor } from './helpers.js';

function refSoftmax(v: number[], outer: number, inner: number, log: boolean): number[] {
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    const row = v.slice(o * inner, (o + 1) * inner);
    const m = Math.max(...row);
    const s = row.reduce((a, x) => a + Math.exp(x - m), 0);
    for (const x of row) out.push(log ? x - m - Math.log(s) : Math.exp(x - m) / s);
  }
  return out;
}

// With and without the subgroups feature requested: the kernels must not depend on it.
for (const subgroups of [false, true]) {
  describe(`fused kernels (subgroups ${subgroups ? 'when available' : 'off'})`, () => {
    let be: WebGPUBackend;
    beforeAll(async () => {
      be = await makeBackend({ subgroups });
    });
    afterAll(() => be?.destroy());

    for (const [outer, inner] of [
      [3, 5],
      [4, 100],
      [2, 3000],
    ] as const) {
      for (const log of [false, true]) {
        it(`${log ? 'log-' : ''}softmax [${outer}, ${inner}]`, async () => {
          const v = seq(outer * inner, inner, -6, 6).map(f32);
          const x = tensor(be, 'float32', [outer, inner], v);
          const out = empty(be, 'float32', [outer, inner]);
          be.fused.softmax!(x, out, outer, inner, log);
          expectClose(await read(be, out), refSoftmax(v, outer, inner, log), 1e-6, 1e-5);
        });
      }
    }

    it('softmax in place and over > 65535 rows (2-D grid)', async () => {
      const outer = 70000;
      const v = Array.from({ length: outer * 2 }, (_, i) => (i % 2 ? Math.log(3) : 0));
      const x = tensor(be, 'float32', [outer, 2], v);
      be.fused.softmax!(x, x, outer, 2, false);
      const got = await read(be, x);
      expectClose([got[0], got[1], got[2 * outer - 2], got[2 * outer - 1]], [0.25, 0.75, 0.25, 0.75], 1e-6);
    });

    it('softmax of a row holding NaN is NaN; other rows are unaffected', async () => {
      const v = [0, Number.NaN, 1, 2, 0, Math.log(3), 0, 0];
      const x = tensor(be, 'float32', [2, 4], v);
      const out = empty(be, 'float32', [2, 4]);
      be.fused.softmax!(x, out, 2, 4, false);
      const nan = Number.NaN;
      expectClose(await read(be, out), [nan, nan, nan, nan, 1 / 6, 3 / 6, 1 / 6, 1 / 6], 1e-6);
    });

    it('layerNorm mean of a cancelling row is the exactly rounded mean', async () => {
      const row = [1e8, 3, -1e8, 1, 2e7, -2e7, 0.5, 0.5];
      const inner = row.length;
      const x = tensor(be, 'float32', [1, inner], row);
      const out = empty(be, 'float32', [1, inner]);
      const mean = empty(be, 'float32', [1]);
      const rstd = empty(be, 'float32', [1]);
      be.fused.layerNorm!(x, null, null, out, mean, rstd, { outer: 1, inner, eps: 1e-5 });
      expect(await read(be, mean)).toEqual([f32(5 / inner)]);
    });

    for (const [outer, inner, affine] of [
      [3, 7, true],
      [2, 1500, true],
      [5, 64, false],
    ] as const) {
      it(`layerNorm [${outer}, ${inner}] ${affine ? 'with' : 'without'} weight/bias`, async () => {
        const v = seq(outer * inner, 11, -3, 5).map(f32);
        const wv = seq(inner, 12, 0.5, 1.5).map(f32);
        const bv = seq(inner, 13, -1, 1).map(f32);
        const eps = 1e-5;
        const x = tensor(be, 'float32', [outer, inner], v);
        const w = affine ? tensor(be, 'float32', [inner], wv) : null;
        const b = affine ? tensor(be, 'float32', [inner], bv) : null;
        const out = empty(be, 'float32', [outer, inner]);
        const mean = empty(be, 'float32', [outer]);
        const rstd = empty(be, 'float32', [outer]);
        be.fused.layerNorm!(x, w, b, out, mean, rstd, { outer, inner, eps });
        const eo: number[] = [];
        const em: number[] = [];
        const er: number[] = [];
        for (let o = 0; o < outer; o++) {
          const row = v.slice(o * inner, (o + 1) * inner);
          const mu = row.reduce((a, c) => a + c, 0) / inner;
          const variance = row.reduce((a, c) => a + (c - mu) ** 2, 0) / inner;
          const rs = 1 / Math.sqrt(variance + eps);
          em.push(mu);
          er.push(rs);
          row.forEach((c, k) => {
            eo.push(affine ? (c - mu) * rs * wv[k] + bv[k] : (c - mu) * rs);
          });
        }
        expectClose(await read(be, out), eo, 1e-5, 1e-4);
        expectClose(await read(be, mean), em, 1e-5, 1e-5);
        expectClose(await read(be, rstd), er, 1e-5, 1e-5);
      });
    }
  });
}
