import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '../src/index.js';
import { empty, expectClose, makeBackend, read, tensor, view } from './helpers.js';

let be: WebGPUBackend;
beforeAll(async () => {
  be = await makeBackend();
});
afterAll(() => be?.destroy());

describe('gather', () => {
  it('dim 0 and dim 1 of a 2-D tensor', async () => {
    const xv = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]; // [3, 4]
    const x = tensor(be, 'float32', [3, 4], xv);
    const i0 = tensor(be, 'int32', [2, 4], [2, 0, 1, 2, 0, 0, 2, 1]);
    const o0 = empty(be, 'float32', [2, 4]);
    be.gather(x, i0, 0, o0);
    // out[i][j] = x[index[i][j]][j]
    expect(await read(be, o0)).toEqual([9, 2, 7, 12, 1, 2, 11, 8]);
    const i1 = tensor(be, 'int32', [3, 2], [3, 0, 1, 1, 2, 3]);
    const o1 = empty(be, 'float32', [3, 2]);
    be.gather(x, i1, 1, o1);
    expect(await read(be, o1)).toEqual([4, 1, 6, 6, 11, 12]);
  });
  it('strided index (broadcast) and int32 values, 3-D', async () => {
    // x [2, 3, 2] int32, gather along dim 1 with an index broadcast over dim 0.
    const x = tensor(be, 'int32', [2, 3, 2], [0, 1, 10, 11, 20, 21, 100, 101, 110, 111, 120, 121]);
    const idx = tensor(be, 'int32', [1, 2, 2], [2, 0, 1, 1]);
    const out = empty(be, 'int32', [2, 2, 2]);
    be.gather(x, view(idx, [2, 2, 2], [0, 2, 1]), 1, out);
    expect(await read(be, out)).toEqual([20, 1, 10, 11, 120, 101, 110, 111]);
  });
});

describe('scatterAdd', () => {
  it('float32 with heavily repeated indices (atomic CAS loop)', async () => {
    // 4096 sources into 3 slots along dim 0 of a [3, 2] output.
    const n = 4096;
    const idxv: number[] = [];
    const srcv: number[] = [];
    for (let i = 0; i < n; i++) {
      idxv.push(i % 3, (i * 7) % 3);
      srcv.push(0.5, 0.25);
    }
    const out = tensor(be, 'float32', [3, 2], [1, 1, 1, 1, 1, 1]);
    const idx = tensor(be, 'int32', [n, 2], idxv);
    const src = tensor(be, 'float32', [n, 2], srcv);
    be.scatterAdd(out, idx, src, 0);
    const exp = [1, 1, 1, 1, 1, 1];
    for (let i = 0; i < n; i++) {
      exp[idxv[2 * i] * 2] += 0.5;
      exp[idxv[2 * i + 1] * 2 + 1] += 0.25;
    }
    // Sums of multiples of 1/4 below 2^22 are exact in float32 in any order.
    expect(await read(be, out)).toEqual(exp);
  });
  it('int32 along dim 1 with a strided src', async () => {
    const out = tensor(be, 'int32', [2, 3], [0, 0, 0, 100, 100, 100]);
    const idx = tensor(be, 'int32', [2, 4], [0, 0, 2, 0, 1, 1, 1, 2]);
    // src stored transposed: [4, 2] viewed as [2, 4]
    const srcT = tensor(be, 'int32', [4, 2], [1, 5, 2, 6, 3, 7, 4, 8]);
    be.scatterAdd(out, idx, view(srcT, [2, 4], [1, 2]), 1);
    // row 0: src [1, 2, 3, 4] -> slots 0,0,2,0 ; row 1: src [5, 6, 7, 8] -> 1,1,1,2
    expect(await read(be, out)).toEqual([7, 0, 3, 100, 118, 108]);
  });
  it('float32 non-integer values sum to the right total', async () => {
    const n = 1000;
    const idxv = Array.from({ length: n }, (_, i) => (i * 31) % 5);
    const srcv = Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i)));
    const out = tensor(be, 'float32', [5], [0, 0, 0, 0, 0]);
    be.scatterAdd(out, tensor(be, 'int32', [n], idxv), tensor(be, 'float32', [n], srcv), 0);
    const exp = [0, 0, 0, 0, 0];
    idxv.forEach((j, i) => {
      exp[j] += srcv[i];
    });
    expectClose(await read(be, out), exp, 1e-4, 1e-5);
  });
});
