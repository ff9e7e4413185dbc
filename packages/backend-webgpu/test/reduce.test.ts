import type { ReduceOp } from '@layers/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '../src/index.js';
import { empty, expectClose, f32, makeBackend, read, seq, tensor, view } from './helpers.js';

let be: WebGPUBackend;
beforeAll(async () => {
  be = await makeBackend();
});
afterAll(() => be?.destroy());

function refReduce(op: ReduceOp, v: number[], outer: number, inner: number): number[] {
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    const row = v.slice(o * inner, (o + 1) * inner);
    switch (op) {
      case 'sum':
        out.push(row.reduce((a, b) => a + b, 0));
        break;
      case 'prod':
        out.push(row.reduce((a, b) => a * b, 1));
        break;
      case 'max':
        out.push(row.some(Number.isNaN) ? Number.NaN : Math.max(...row));
        break;
      case 'min':
        out.push(row.some(Number.isNaN) ? Number.NaN : Math.min(...row));
        break;
      case 'argmax':
      case 'argmin': {
        const nan = row.findIndex(Number.isNaN);
        if (nan >= 0) {
          out.push(nan);
          break;
        }
        const ext = op === 'argmax' ? Math.max(...row) : Math.min(...row);
        out.push(row.indexOf(ext));
      }
    }
  }
  return out;
}

describe('reduce', () => {
  // (outer, inner): one thread per row, one workgroup per row (with a partial last chunk),
  // many short rows, few long rows (value ops reduce them in two passes of row chunks).
  const sizes: [number, number][] = [
    [3, 7],
    [2, 1000],
    [5000, 3],
    [1, 257],
    [3, 16384],
  ];
  for (const op of ['sum', 'prod', 'max', 'min', 'argmax', 'argmin'] as ReduceOp[]) {
    for (const [outer, inner] of sizes) {
      it(`${op} float32 [${outer}, ${inner}]`, async () => {
        // Values near 1 keep prod finite; rounding to quarters creates ties for arg ops.
        const v = seq(outer * inner, outer + inner, op === 'prod' ? 0.9 : -4, op === 'prod' ? 1.1 : 4).map(
          (x) => f32(op.startsWith('arg') ? Math.round(x * 4) / 4 : x),
        );
        const x = tensor(be, 'float32', [outer, inner], v);
        const out = empty(be, op.startsWith('arg') ? 'int32' : 'float32', [outer]);
        be.reduce(op, x, out, outer, inner);
        const got = await read(be, out);
        const exp = refReduce(op, v, outer, inner);
        if (op.startsWith('arg')) expect(got).toEqual(exp);
        // A product of n factors is off by up to n roundings.
        else expectClose(got, exp, 1e-4, op === 'prod' ? inner * 6e-8 : 1e-5);
      });
    }
  }
  it('two-pass reductions of long rows keep NaN (max, min) and exact int32 sums', async () => {
    const [outer, inner] = [2, 32768];
    const v = seq(outer * inner, 3, -4, 4).map(f32);
    v[inner + 12345] = Number.NaN;
    const x = tensor(be, 'float32', [outer, inner], v);
    const m = empty(be, 'float32', [outer]);
    be.reduce('max', x, m, outer, inner);
    expectClose(await read(be, m), refReduce('max', v, outer, inner));
    be.reduce('min', x, m, outer, inner);
    expectClose(await read(be, m), refReduce('min', v, outer, inner));
    const iv = seq(outer * inner, 4, -1000, 1000).map(Math.round);
    const xi = tensor(be, 'int32', [outer, inner], iv);
    const s = empty(be, 'int32', [outer]);
    be.reduce('sum', xi, s, outer, inner);
    expect(await read(be, s)).toEqual(refReduce('sum', iv, outer, inner));
  });
  it('argmax/argmin: first occurrence on ties, first NaN wins; max propagates NaN', async () => {
    const v = [1, 3, 3, 0, 2, Number.NaN, 5, Number.NaN, 7, 7, 7, 7];
    const x = tensor(be, 'float32', [3, 4], v);
    const idx = empty(be, 'int32', [3]);
    be.reduce('argmax', x, idx, 3, 4);
    expect(await read(be, idx)).toEqual([1, 1, 0]);
    be.reduce('argmin', x, idx, 3, 4);
    expect(await read(be, idx)).toEqual([3, 1, 0]);
    const m = empty(be, 'float32', [3]);
    be.reduce('max', x, m, 3, 4);
    expectClose(await read(be, m), [3, Number.NaN, 7]);
    // Same on the workgroup path (long rows): NaN late in the row, ties across threads.
    const long: number[] = Array.from({ length: 2000 }, (_, i) => (i % 500 === 3 ? 9 : 0));
    long[1500] = Number.NaN;
    const lx = tensor(be, 'float32', [1, 2000], long);
    const li = empty(be, 'int32', [1]);
    be.reduce('argmax', lx, li, 1, 2000);
    expect(await read(be, li)).toEqual([1500]);
    long[1500] = 0;
    be.write(lx.buffer, 'float32', Float32Array.from(long));
    be.reduce('argmax', lx, li, 1, 2000);
    expect(await read(be, li)).toEqual([3]);
  });
  it('int32 sum/max/argmin and reduction of a strided (transposed) input', async () => {
    const v = [5, -2, 9, 4, 4, -7];
    const x = tensor(be, 'int32', [2, 3], v);
    const out = empty(be, 'int32', [2]);
    be.reduce('sum', x, out, 2, 3);
    expect(await read(be, out)).toEqual([12, 1]);
    be.reduce('max', x, out, 2, 3);
    expect(await read(be, out)).toEqual([9, 4]);
    // Reduce over rows of the transpose: [3, 2] view with strides [1, 3].
    const xt = view(x, [3, 2], [1, 3]);
    const o3 = empty(be, 'int32', [3]);
    be.reduce('sum', xt, o3, 3, 2);
    expect(await read(be, o3)).toEqual([9, 2, 2]);
    be.reduce('argmin', xt, o3, 3, 2);
    expect(await read(be, o3)).toEqual([1, 0, 1]);
  });
  it('writes at the output offset', async () => {
    const x = tensor(be, 'float32', [2, 2], [1, 2, 3, 4]);
    const out = empty(be, 'float32', [4]);
    be.fill(out, -1);
    be.reduce('sum', x, view(out, [2], [1], 1), 2, 2);
    expect(await read(be, out)).toEqual([-1, 3, 7, -1]);
  });
  it('float sums are compensated: cancelling rows match the exactly rounded sum', async () => {
    // Plain float32 addition loses the small terms next to 1e8 (ulp 8); a compensated sum
    // that a compiler did not optimise away gets them all. Short rows (one thread per row) and
    // a long row (workgroup tree) take different kernels.
    const shortRow = [1, 1e8, 1, -1e8, 0.5, 3e7, -3e7, 0.25];
    const longRow = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? 1e8 : i % 3 === 1 ? -1e8 : 0.125));
    for (const row of [shortRow, longRow]) {
      const exact = row.reduce((a, b) => a + b, 0); // exact in float64 for these values
      const x = tensor(be, 'float32', [1, row.length], row);
      const out = empty(be, 'float32', [1]);
      be.reduce('sum', x, out, 1, row.length);
      expect(await read(be, out)).toEqual([f32(exact)]);
    }
  });
  it('a sum reaching inf or NaN keeps the plain result', async () => {
    const x = tensor(
      be,
      'float32',
      [3, 4],
      [1, Number.POSITIVE_INFINITY, 2, 3, 3e38, 3e38, 1, 1, 1, Number.NaN, 2, 2],
    );
    const out = empty(be, 'float32', [3]);
    be.reduce('sum', x, out, 3, 4);
    expectClose(await read(be, out), [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NaN]);
  });
});
