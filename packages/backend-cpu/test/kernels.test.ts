import { philoxFill } from '@layers/core';
import { describe, expect, it } from 'vitest';
import { backend, empty, expectClose, rand, read, view } from './helpers.js';

const f = (data: number[], shape = [data.length]) => view('float32', data, shape);
const i32 = (data: number[], shape = [data.length]) => view('int32', data, shape);

describe('unary', () => {
  it('computes float ops against Math and closed forms', () => {
    const xs = [-2.5, -1.5, -0.5, 0, 0.5, 1.5, 2.5, 3.7];
    const cases: [Parameters<typeof backend.unary>[0], (x: number) => number][] = [
      ['neg', (x) => -x],
      ['abs', Math.abs],
      ['exp', Math.exp],
      ['tanh', Math.tanh],
      ['sigmoid', (x) => 1 / (1 + Math.exp(-x))],
      ['floor', Math.floor],
      ['ceil', Math.ceil],
      ['relu', (x) => Math.max(x, 0)],
      ['sin', Math.sin],
      ['reciprocal', (x) => 1 / x],
    ];
    for (const [op, g] of cases) {
      const out = empty('float32', [xs.length]);
      backend.unary(op, f(xs), out);
      expectClose(
        read(out),
        xs.map((x) => Math.fround(g(Math.fround(x)))),
        1e-6,
      );
    }
  });

  it('rounds half to even like torch.round', () => {
    const out = empty('float32', [8]);
    backend.unary('round', f([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.6, -2.4]), out);
    expect(read(out)).toEqual([-2, -2, -0, 0, 2, 2, 3, -2]);
  });

  it('erf matches tabulated values to 1e-7', () => {
    // Abramowitz & Stegun table 7.1 values.
    const xs = [0, 0.1, 0.5, 1, 1.5, 2, 2.5, 3, -1, 5];
    const ref = [
      0, 0.112462916, 0.5204998778, 0.8427007929, 0.9661051465, 0.995322265, 0.999593048, 0.9999779095,
      -0.8427007929, 0.9999999999984626,
    ];
    const out = empty('float32', [xs.length]);
    backend.unary('erf', f(xs), out);
    expectClose(read(out), ref, 0, 1e-7);
  });

  it('sigmoid is stable for large |x| and relu keeps NaN', () => {
    const out = empty('float32', [4]);
    backend.unary('sigmoid', f([-1000, 1000, -100, 100]), out);
    expect(read(out)).toEqual([0, 1, Math.fround(Math.exp(-100)), 1]);
    const r = empty('float32', [2]);
    backend.unary('relu', f([Number.NaN, -1]), r);
    expect(read(r)[0]).toBeNaN();
  });

  it('int32 neg/abs wrap and logicalNot/isnan write bool', () => {
    const out = empty('int32', [3]);
    backend.unary('neg', i32([-2147483648, 5, -7]), out);
    expect(read(out)).toEqual([-2147483648, -5, 7]);
    const b = empty('bool', [3]);
    backend.unary('logicalNot', f([0, Number.NaN, 2]), b);
    expect(read(b)).toEqual([1, 0, 0]);
    backend.unary('isnan', f([0, Number.NaN, Infinity]), b);
    expect(read(b)).toEqual([0, 1, 0]);
  });

  it('works in place and on strided (transposed) views', () => {
    const x = f([1, 2, 3, 4, 5, 6], [2, 3]);
    backend.unary('neg', x, x);
    expect(read(x)).toEqual([-1, -2, -3, -4, -5, -6]);
    // x^T as a [3, 2] view with strides [1, 3]
    const xt = { ...x, shape: [3, 2], strides: [1, 3] };
    const out = empty('float32', [3, 2]);
    backend.unary('abs', xt, out);
    expect(read(out)).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

describe('binary', () => {
  it('broadcasts with stride-0 dims', () => {
    const a = f([1, 2, 3], [1, 3]);
    const b = f([10, 20], [2, 1]);
    const out = empty('float32', [2, 3]);
    backend.binary(
      'add',
      { ...a, shape: [2, 3], strides: [0, 1] },
      { ...b, shape: [2, 3], strides: [1, 0] },
      out,
    );
    expect(read(out)).toEqual([11, 12, 13, 21, 22, 23]);
  });

  it('remainder and floorDivide follow Python signs (float32 and int32)', () => {
    const as = [7, -7, 7, -7, 5, -5];
    const bs = [3, 3, -3, -3, 5, 5];
    const rem = [1, 2, -2, -1, 0, 0];
    const fdiv = [2, -3, -3, 2, 1, -1];
    for (const dtype of ['float32', 'int32'] as const) {
      const out = empty(dtype, [6]);
      backend.binary('remainder', view(dtype, as, [6]), view(dtype, bs, [6]), out);
      expect(read(out).map((v) => v + 0)).toEqual(rem);
      backend.binary('floorDivide', view(dtype, as, [6]), view(dtype, bs, [6]), out);
      expect(read(out)).toEqual(fdiv);
    }
    const out = empty('float32', [2]);
    backend.binary('remainder', f([5.5, -5.5]), f([2, 2]), out);
    expect(read(out)).toEqual([1.5, 0.5]);
  });

  it('maximum/minimum propagate NaN; comparisons write bool', () => {
    const out = empty('float32', [3]);
    backend.binary('maximum', f([1, Number.NaN, 3]), f([2, 0, Number.NaN]), out);
    const r = read(out);
    expect(r[0]).toBe(2);
    expect(r[1]).toBeNaN();
    expect(r[2]).toBeNaN();
    const b = empty('bool', [3]);
    backend.binary('lt', f([1, 2, Number.NaN]), f([2, 2, 1]), b);
    expect(read(b)).toEqual([1, 0, 0]);
    backend.binary('logicalAnd', f([Number.NaN, 0, 1]), f([1, 1, 2]), b);
    expect(read(b)).toEqual([1, 0, 1]);
  });

  it('int32 arithmetic wraps like int32', () => {
    const out = empty('int32', [3]);
    backend.binary('add', i32([2147483647, -2147483648, 1]), i32([1, -1, 1]), out);
    expect(read(out)).toEqual([-2147483648, 2147483647, 2]);
    backend.binary('mul', i32([65536, 3, 46341]), i32([65536, -4, 46341]), out);
    expect(read(out)).toEqual([0, -12, -2147479015]);
    backend.binary('pow', i32([2, 3, 2]), i32([10, 3, 31]), out);
    expect(read(out)).toEqual([1024, 27, -2147483648]);
  });

  it('pow follows C: pow(1, NaN) = 1, pow(-1, inf) = 1', () => {
    const out = empty('float32', [3]);
    backend.binary('pow', f([1, -1, 2]), f([Number.NaN, Infinity, 0.5]), out);
    expectClose(read(out), [1, 1, Math.SQRT2]);
  });

  it('accumulates in place into an aliased output', () => {
    const a = f([1, 2, 3]);
    backend.binary('add', a, f([1, 1, 1]), a);
    expect(read(a)).toEqual([2, 3, 4]);
  });

  it('where selects by a bool condition', () => {
    const out = empty('float32', [3]);
    backend.where(view('bool', [1, 0, 1], [3]), f([1, 2, 3]), f([9, 8, 7]), out);
    expect(read(out)).toEqual([1, 8, 3]);
  });
});

describe('copy and fill', () => {
  it('converts dtypes: float→int truncates, anything→bool is != 0', () => {
    const i = empty('int32', [4]);
    backend.copy(f([1.9, -1.9, 0.5, -0.5]), i);
    expect(read(i).map((v) => v + 0)).toEqual([1, -1, 0, 0]);
    const b = empty('bool', [4]);
    backend.copy(f([0, -0.1, Number.NaN, 3]), b);
    expect(read(b)).toEqual([0, 1, 1, 1]);
    const g = empty('float32', [2]);
    backend.copy(view('bool', [1, 0], [2]), g);
    expect(read(g)).toEqual([1, 0]);
  });

  it('copies a permuted 3-d view (odometer path) and fills with conversion', () => {
    const data = Array.from({ length: 24 }, (_, k) => k);
    const x = f(data, [2, 3, 4]);
    // permute to [4, 2, 3]: strides [1, 12, 4]
    const out = empty('float32', [4, 2, 3]);
    backend.copy({ ...x, shape: [4, 2, 3], strides: [1, 12, 4] }, out);
    const expected: number[] = [];
    for (let a = 0; a < 4; a++)
      for (let b = 0; b < 2; b++) for (let c = 0; c < 3; c++) expected.push(b * 12 + c * 4 + a);
    expect(read(out)).toEqual(expected);
    const b = empty('bool', [2]);
    backend.fill(b, 5);
    expect(read(b)).toEqual([1, 1]);
    const n = empty('int32', [2]);
    backend.fill(n, -3.7);
    expect(read(n)).toEqual([-3, -3]);
  });
});

describe('reduce', () => {
  it('sum/prod/max/min over rows', () => {
    const x = f([1, 2, 3, 4, -5, 6], [2, 3]);
    const out = empty('float32', [2]);
    backend.reduce('sum', x, out, 2, 3);
    expect(read(out)).toEqual([6, 5]);
    backend.reduce('prod', x, out, 2, 3);
    expect(read(out)).toEqual([6, -120]);
    backend.reduce('max', x, out, 2, 3);
    expect(read(out)).toEqual([3, 6]);
    backend.reduce('min', x, out, 2, 3);
    expect(read(out)).toEqual([1, -5]);
  });

  it('argmax takes the first tie and NaN wins; max propagates NaN', () => {
    const x = f([1, 3, 3, 0, 2, Number.NaN, 5, Number.NaN], [2, 4]);
    const idx = empty('int32', [2]);
    backend.reduce('argmax', x, idx, 2, 4);
    expect(read(idx)).toEqual([1, 1]);
    backend.reduce('argmin', x, idx, 2, 4);
    expect(read(idx)).toEqual([3, 1]);
    const out = empty('float32', [2]);
    backend.reduce('max', x, out, 2, 4);
    expect(read(out)[0]).toBe(3);
    expect(read(out)[1]).toBeNaN();
  });

  it('int32 sum wraps', () => {
    const out = empty('int32', [1]);
    backend.reduce('sum', i32([2147483647, 1, 5]), out, 1, 3);
    expect(read(out)).toEqual([-2147483643]);
  });
});

describe('gather and scatterAdd', () => {
  it('gathers along dim 1 like torch.gather', () => {
    const x = f([1, 2, 3, 4, 5, 6], [2, 3]);
    const index = i32([2, 0, 1, 1], [2, 2]);
    const out = empty('float32', [2, 2]);
    backend.gather(x, index, 1, out);
    expect(read(out)).toEqual([3, 1, 5, 5]);
  });

  it('scatterAdd accumulates repeated indices along dim 0', () => {
    const out = f([0, 0, 0, 0, 0, 0], [3, 2]);
    const index = i32([0, 2, 0, 0, 1, 2], [3, 2]);
    const src = f([1, 2, 3, 4, 5, 6], [3, 2]);
    backend.scatterAdd(out, index, src, 0);
    // column 0: rows 0,0,1 get 1,3,5; column 1: rows 2,0,2 get 2,4,6
    expect(read(out)).toEqual([4, 4, 5, 0, 0, 8]);
  });
});

describe('random', () => {
  it('reproduces the Philox reference stream exactly', () => {
    for (const kind of ['uniform', 'normal'] as const) {
      const state = {
        key: [0x12345678, 0x9abcdef0] as [number, number],
        counter: [3, 7] as [number, number],
      };
      const n = 37;
      const out = empty('float32', [n]);
      backend.random(kind, state, out);
      const ref = new Float32Array(n);
      philoxFill(kind, state, ref);
      expect(read(out)).toEqual(Array.from(ref));
    }
  });

  it('uniform values lie in [0, 1) with mean near 1/2', () => {
    const out = empty('float32', [4096]);
    backend.random('uniform', { key: [1, 2], counter: [0, 0] }, out);
    const v = read(out);
    expect(v.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.03);
  });
});

describe('buffers', () => {
  it('read returns a snapshot and rejects dtype mismatches', async () => {
    const x = f(rand(5));
    const before = await backend.read(x.buffer, 'float32', 5);
    backend.fill(x, 0);
    expect(Array.from(before)).toEqual(rand(5));
    expect(() => backend.write(x.buffer, 'int32', new Int32Array(1))).toThrow(/int32/);
  });
});
