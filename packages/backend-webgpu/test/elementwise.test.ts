import { type BinaryOp, expr, type UnaryOp } from '@layers/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '../src/index.js';
import { empty, expectClose, f32, makeBackend, read, seq, tensor, view } from './helpers.js';

let be: WebGPUBackend;
beforeAll(async () => {
  be = await makeBackend();
});
afterAll(() => be?.destroy());

// The reference values come from core's one scalar table (float64; the comparisons' tolerance
// covers float32 rounding); the bool-valued unary ops have tests of their own below.
const UNARY_FLOAT = (Object.keys(expr.FLOAT_UNARY) as UnaryOp[]).filter((op) => !expr.BOOL_UNARY_OPS.has(op));

describe('unary', () => {
  const xs = [...seq(37, 3, -3, 3), 0, -0.5, 0.5, 1.5, 2.5, -2.5, 1e-7, -1e-6, 20, -20].map(f32);
  const positive = new Set(['log', 'sqrt', 'rsqrt', 'log1p']);
  for (const op of UNARY_FLOAT) {
    const fn = expr.FLOAT_UNARY[op];
    it(`float32 ${op}`, async () => {
      const input = positive.has(op) ? xs.map((x) => f32(Math.abs(x) + 0.01)) : xs;
      const x = tensor(be, 'float32', [input.length], input);
      const out = empty(be, 'float32', [input.length]);
      be.unary(op, x, out);
      const exp = input.map(fn);
      expectClose(await read(be, out), exp, 2e-6, 2e-6);
    });
  }
  it('keeps NaN through relu/abs/neg; sign(NaN) = 0', async () => {
    const inf = Number.POSITIVE_INFINITY;
    // -NaN too: its sign bit is set, and it must not read as negative.
    const negNan = new Float32Array(new Uint32Array([0xffc00000]).buffer)[0];
    const x = tensor(be, 'float32', [6], [Number.NaN, -1, 2, -inf, inf, negNan]);
    const out = empty(be, 'float32', [6]);
    be.unary('relu', x, out);
    expectClose(await read(be, out), [Number.NaN, 0, 2, 0, inf, Number.NaN]);
    be.unary('sign', x, out);
    expectClose(await read(be, out), [0, -1, 1, -1, 1, 0]);
  });
  it('int32 neg/abs/sign/relu', async () => {
    const v = [-5, 0, 7, -2147483647, 3];
    const x = tensor(be, 'int32', [5], v);
    const out = empty(be, 'int32', [5]);
    for (const [op, f] of [
      ['neg', (a: number) => -a],
      ['abs', Math.abs],
      ['sign', Math.sign],
      ['relu', (a: number) => Math.max(a, 0)],
    ] as const) {
      be.unary(op, x, out);
      expect(await read(be, out)).toEqual(v.map((a) => f(a) | 0));
    }
  });
  it('logicalNot and isnan write bool', async () => {
    const x = tensor(be, 'float32', [4], [0, 1, Number.NaN, -0]);
    const out = empty(be, 'bool', [4]);
    be.unary('logicalNot', x, out);
    expect(await read(be, out)).toEqual([1, 0, 0, 1]);
    be.unary('isnan', x, out);
    expect(await read(be, out)).toEqual([0, 0, 1, 0]);
    const b = tensor(be, 'bool', [3], [1, 0, 1]);
    const bo = empty(be, 'bool', [3]);
    be.unary('logicalNot', b, bo);
    expect(await read(be, bo)).toEqual([0, 1, 0]);
  });
  it('works on a transposed (strided) view and in place', async () => {
    // x is 3x4 row-major; read it as its 4x3 transpose.
    const v = seq(12, 9);
    const x = tensor(be, 'float32', [3, 4], v);
    const xt = view(x, [4, 3], [1, 4]);
    const out = empty(be, 'float32', [4, 3]);
    be.unary('neg', xt, out);
    const exp: number[] = [];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) exp.push(-f32(v[j * 4 + i]));
    expectClose(await read(be, out), exp);
    be.unary('neg', out, out);
    expectClose(
      await read(be, out),
      exp.map((e) => -e),
    );
  });
});

// pow has its own test below (negative bases, special cases).
const BINARY_FLOAT = (Object.keys(expr.FLOAT_BINARY) as BinaryOp[]).filter((op) => op !== 'pow');

describe('binary', () => {
  // a: [3, 1, 5] broadcast against b: [1, 4, 5] -> out [3, 4, 5]
  const av = seq(15, 5, -3, 3).map((x) => f32(Math.round(x * 4) / 4));
  const bv = seq(20, 6, -3, 3).map((x) => f32(Math.round(x * 4) / 4 || 0.75));
  bv[3] = av[3]; // some equal pairs for comparisons
  const shape = [3, 4, 5];
  for (const op of BINARY_FLOAT) {
    const fn = expr.FLOAT_BINARY[op];
    it(`float32 ${op} with broadcasting`, async () => {
      const a = tensor(be, 'float32', [3, 1, 5], av);
      const b = tensor(be, 'float32', [1, 4, 5], bv);
      const bool = expr.COMPARISON_OPS.has(op);
      const out = empty(be, bool ? 'bool' : 'float32', shape);
      be.binary(op, view(a, shape, [5, 0, 1]), view(b, shape, [0, 5, 1]), out);
      const exp: number[] = [];
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 4; j++) for (let k = 0; k < 5; k++) exp.push(fn(av[i * 5 + k], bv[j * 5 + k]));
      expectClose(await read(be, out), exp, 1e-5, 1e-5);
    });
  }
  it('float32 pow incl. negative bases and special cases', async () => {
    const a = [2, -2, -2, 0, 0, 1, -1, 4, -8, 0.5];
    const b = [3, 3, 0.5, -1, 2, Number.NaN, Number.POSITIVE_INFINITY, 0.5, 2, -2];
    const exp = [8, -8, Number.NaN, Number.POSITIVE_INFINITY, 0, 1, 1, 2, 64, 4];
    const out = empty(be, 'float32', [10]);
    be.binary('pow', tensor(be, 'float32', [10], a), tensor(be, 'float32', [10], b), out);
    expectClose(await read(be, out), exp, 1e-5, 1e-5);
  });
  it('NaN semantics of comparisons and maximum', async () => {
    const a = tensor(be, 'float32', [3], [Number.NaN, 1, Number.NaN]);
    const b = tensor(be, 'float32', [3], [1, Number.NaN, Number.NaN]);
    const o = empty(be, 'bool', [3]);
    be.binary('eq', a, b, o);
    expect(await read(be, o)).toEqual([0, 0, 0]);
    be.binary('ne', a, b, o);
    expect(await read(be, o)).toEqual([1, 1, 1]);
    be.binary('lt', a, b, o);
    expect(await read(be, o)).toEqual([0, 0, 0]);
    const m = empty(be, 'float32', [3]);
    be.binary('maximum', a, b, m);
    expectClose(await read(be, m), [Number.NaN, Number.NaN, Number.NaN]);
  });
  it('int32 arithmetic with Python sign rules', async () => {
    const a = [7, -7, 7, -7, 5, 2147483647, 3, -4];
    const b = [2, 2, -2, -2, 3, 1, 4, 3];
    const ta = tensor(be, 'int32', [8], a);
    const tb = tensor(be, 'int32', [8], b);
    const o = empty(be, 'int32', [8]);
    const cases: [BinaryOp, (x: number, y: number) => number][] = [
      ['add', (x, y) => (x + y) | 0],
      ['sub', (x, y) => (x - y) | 0],
      ['mul', (x, y) => Math.imul(x, y)],
      ['remainder', (x, y) => ((x % y) + y) % y],
      ['floorDivide', (x, y) => Math.floor(x / y)],
      ['maximum', Math.max],
      ['minimum', Math.min],
      // Negative exponents truncate to 0 except for bases ±1 (ATen's powi).
      [
        'pow',
        (x, y) =>
          y < 0
            ? x === 1
              ? 1
              : x === -1
                ? y % 2
                  ? -1
                  : 1
                : 0
            : Number(BigInt.asIntN(32, BigInt(x) ** BigInt(y))),
      ],
    ];
    for (const [op, f] of cases) {
      be.binary(op, ta, tb, o);
      expect(await read(be, o), op).toEqual(a.map((x, i) => f(x, b[i])));
    }
    const c = empty(be, 'bool', [8]);
    be.binary('gt', ta, tb, c);
    expect(await read(be, c)).toEqual(a.map((x, i) => +(x > b[i])));
  });
  it('accumulates in place (out aliases a)', async () => {
    const a = tensor(be, 'float32', [6], [1, 2, 3, 4, 5, 6]);
    const b = tensor(be, 'float32', [6], [10, 10, 10, 10, 10, 10]);
    be.binary('add', a, b, a);
    be.binary('mul', a, a, a);
    expect(await read(be, a)).toEqual([121, 144, 169, 196, 225, 256]);
  });
});

describe('where, copy, fill', () => {
  it('where with broadcast condition on int32 and float32', async () => {
    const cond = tensor(be, 'bool', [1, 3], [1, 0, 1]);
    const a = tensor(be, 'int32', [2, 3], [1, 2, 3, 4, 5, 6]);
    const b = tensor(be, 'int32', [1, 1], [-1]);
    const out = empty(be, 'int32', [2, 3]);
    be.where(view(cond, [2, 3], [0, 1]), a, view(b, [2, 3], [0, 0]), out);
    expect(await read(be, out)).toEqual([1, -1, 3, 4, -1, 6]);
    const fa = tensor(be, 'float32', [3], [0.5, 1.5, 2.5]);
    const fb = tensor(be, 'float32', [3], [-0.5, -1.5, -2.5]);
    const fo = empty(be, 'float32', [3]);
    be.where(cond, view(fa, [1, 3], [3, 1]), view(fb, [1, 3], [3, 1]), view(fo, [1, 3], [3, 1]));
    expect(await read(be, fo)).toEqual([0.5, -1.5, 2.5]);
  });
  it('copy converts dtypes (truncation toward zero, anything -> bool is != 0)', async () => {
    const x = tensor(be, 'float32', [6], [1.7, -1.7, 0, -0, 2.5, Number.NaN]);
    const i = empty(be, 'int32', [5]);
    be.copy(view(x, [5], [1]), i);
    expect(await read(be, i)).toEqual([1, -1, 0, 0, 2]);
    const b = empty(be, 'bool', [6]);
    be.copy(x, b);
    expect(await read(be, b)).toEqual([1, 1, 0, 0, 1, 1]);
    const f = empty(be, 'float32', [6]);
    be.copy(b, f);
    expect(await read(be, f)).toEqual([1, 1, 0, 0, 1, 1]);
    const ii = tensor(be, 'int32', [3], [-3, 0, 2147483647]);
    const fi = empty(be, 'float32', [3]);
    be.copy(ii, fi);
    expect(await read(be, fi)).toEqual([-3, 0, 2147483648]);
    const bi = empty(be, 'bool', [3]);
    be.copy(ii, bi);
    expect(await read(be, bi)).toEqual([1, 0, 1]);
  });
  it('strided copy into a slice with an offset (pad/cat pattern)', async () => {
    // Write a 2x3 block into the middle of a zero 4x5 buffer at (1, 1).
    const src = tensor(be, 'float32', [2, 3], [1, 2, 3, 4, 5, 6]);
    const dst = empty(be, 'float32', [4, 5]);
    be.fill(dst, 0);
    be.copy(src, view(dst, [2, 3], [5, 1], 6));
    expect(await read(be, dst)).toEqual([0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 4, 5, 6, 0, 0, 0, 0, 0, 0]);
  });
  it('rank-6 permuted copy', async () => {
    const shape = [2, 3, 1, 2, 3, 2];
    const n = 72;
    const v = Array.from({ length: n }, (_, k) => k);
    const x = tensor(be, 'float32', shape, v);
    // permute dims (5, 4, 3, 2, 1, 0)
    const strides = [36, 12, 12, 6, 2, 1];
    const pshape = [...shape].reverse();
    const pstrides = [...strides].reverse();
    const out = empty(be, 'float32', pshape);
    be.copy(view(x, pshape, pstrides), out);
    const exp: number[] = [];
    for (let a = 0; a < 2; a++)
      for (let b = 0; b < 3; b++)
        for (let c = 0; c < 2; c++)
          for (let e = 0; e < 3; e++)
            for (let f = 0; f < 2; f++) exp.push(a * 1 + b * 2 + c * 6 + e * 12 + f * 36);
    expect(await read(be, out)).toEqual(exp);
  });
  it('fill converts the value to the dtype', async () => {
    const f = empty(be, 'float32', [3]);
    be.fill(f, 1.25);
    expect(await read(be, f)).toEqual([1.25, 1.25, 1.25]);
    const i = empty(be, 'int32', [2]);
    be.fill(i, -3.9);
    expect(await read(be, i)).toEqual([-3, -3]);
    const b = empty(be, 'bool', [2]);
    be.fill(b, 0.5);
    expect(await read(be, b)).toEqual([1, 1]);
    // Strided fill touches only the view: every other element.
    const g = empty(be, 'float32', [6]);
    be.fill(g, 0);
    be.fill(view(g, [3], [2], 1), 7);
    expect(await read(be, g)).toEqual([0, 7, 0, 7, 0, 7]);
  });
});
