import { type Backend, philoxFill, type View } from '@layers/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend } from '../src/index.js';
import { at, download, empty, expectClose, indices, randomData, stridesOf, upload } from './helpers.js';

/** Python's float remainder and floor division, from the definitions. */
const pyRem = (a: number, b: number) => a - b * Math.floor(a / b);
const roundHalfEven = (x: number) => {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
};

for (const threads of [1, 2]) {
  describe(`wasm kernels, ${threads} thread(s)`, () => {
    let be: Backend;
    beforeAll(async () => {
      be = await createWasmBackend({ threads });
    });
    afterAll(() => be.destroy?.());

    function matmulRef(
      a: Float32Array,
      as: number[],
      b: Float32Array,
      bs: number[],
      B: number,
      M: number,
      K: number,
      N: number,
    ) {
      const out = new Float64Array(B * M * N);
      for (let bi = 0; bi < B; bi++)
        for (let i = 0; i < M; i++)
          for (let j = 0; j < N; j++) {
            let s = 0;
            for (let k = 0; k < K; k++) s += at(a, as, 0, [bi, i, k]) * at(b, bs, 0, [bi, k, j]);
            out[(bi * M + i) * N + j] = s;
          }
      return out;
    }

    it.each([
      [1, 1, 1, 1],
      [2, 5, 7, 9],
      [1, 67, 130, 33],
      [3, 70, 300, 71],
      // Few rows, wide N: columns are split between threads (each block repacks A).
      [1, 3, 260, 300],
      // More rows than one packed A block (128), with a ragged last strip.
      [1, 133, 64, 200],
      // At most 16 rows and N % 8 == 0: B is read in place, unpacked (K > 256 spans k blocks).
      [1, 16, 300, 64],
      [3, 7, 33, 16],
    ])('matmul B=%i M=%i K=%i N=%i matches float64 loops', (B, M, K, N) => {
      const A = randomData(B * M * K, 3);
      const Bm = randomData(B * K * N, 4);
      const a = upload(be, A, [B, M, K]);
      const b = upload(be, Bm, [B, K, N]);
      const o = empty(be, [B, M, N]);
      be.matmul(a, b, o);
      expectClose(
        download(be, o),
        matmulRef(A, a.strides as number[], Bm, b.strides as number[], B, M, K, N),
        1e-4,
        1e-5,
      );
    });

    it('matmul with transposed A, transposed B and broadcast batch', () => {
      const B = 2;
      const M = 37;
      const K = 129;
      const N = 45;
      // A stored as [B, K, M] and viewed transposed; B stored as [N, K] viewed as [B, K, N] with batch stride 0.
      const Ad = randomData(B * K * M, 5);
      const Bd = randomData(N * K, 6);
      const aStrides = [K * M, 1, M];
      const bStrides = [0, 1, K];
      const a: View = { ...upload(be, Ad, [B * K * M]), shape: [B, M, K], strides: aStrides };
      const b: View = { ...upload(be, Bd, [N * K]), shape: [B, K, N], strides: bStrides };
      const o = empty(be, [B, M, N]);
      be.matmul(a, b, o);
      expectClose(download(be, o), matmulRef(Ad, aStrides, Bd, bStrides, B, M, K, N), 1e-4, 1e-5);
    });

    it('matmul with few rows and a broadcast row-major B (read in place)', () => {
      const B = 3;
      const M = 6;
      const K = 20;
      const N = 24;
      const Ad = randomData(B * M * K, 8);
      const Bd = randomData(K * N, 9);
      const bStrides = [0, N, 1];
      const a = upload(be, Ad, [B, M, K]);
      const b: View = { ...upload(be, Bd, [K * N]), shape: [B, K, N], strides: bStrides };
      const o = empty(be, [B, M, N]);
      be.matmul(a, b, o);
      expectClose(
        download(be, o),
        matmulRef(Ad, a.strides as number[], Bd, bStrides, B, M, K, N),
        1e-4,
        1e-5,
      );
    });

    it('matmul with K = 0 writes zeros', () => {
      const a = upload(be, new Float32Array(1), [1, 3, 0]);
      const b = upload(be, new Float32Array(1), [1, 0, 4]);
      const o = upload(be, new Float32Array(12).fill(7), [1, 3, 4]);
      be.matmul(a, b, o);
      expect(Array.from(download(be, o))).toEqual(new Array(12).fill(0));
    });

    it('vector exp, sigmoid and tanh are within one ulp of the double result, edge values included', () => {
      const specials = [
        0,
        -0,
        NaN,
        Infinity,
        -Infinity,
        1e-30,
        -1e-30,
        88.7,
        88.8,
        -87.5,
        -100,
        -104,
        700,
        -700,
        20,
        -20,
        9.5,
      ];
      const rnd = Array.from(randomData(200, 11), (v) => v * 12);
      // 217 values: SIMD blocks of 8 plus a scalar tail.
      const xs = Float32Array.from([...specials, ...rnd]);
      const x = upload(be, xs, [xs.length]);
      const ref: Record<string, (v: number) => number> = {
        exp: Math.exp,
        sigmoid: (v) => 1 / (1 + Math.exp(-v)),
        tanh: Math.tanh,
      };
      for (const [op, f] of Object.entries(ref)) {
        const o = empty(be, [xs.length]);
        be.unary(op as any, x, o);
        const got = download(be, o);
        xs.forEach((v, i) => {
          const want = Math.fround(f(v));
          const g = got[i];
          if (Number.isNaN(want) || !Number.isFinite(want)) {
            expect(Object.is(g, want), `${op}(${v}) = ${g}, want ${want}`).toBe(true);
            return;
          }
          // One float32 ulp of the expected value (2^-149 for denormals and zero).
          const ulp = Math.max(2 ** -149, 2 ** (Math.floor(Math.log2(Math.abs(want) || 2 ** -149)) - 23));
          expect(Math.abs(g - want) <= ulp, `${op}(${v}) = ${g}, want ${want}`).toBe(true);
          if (want === 0) expect(Object.is(g, want), `${op}(${v}) sign of zero`).toBe(true);
        });
      }
    });

    it('unary float ops match Math on awkward strided views', () => {
      const shape = [3, 5, 7];
      const base = randomData(7 * 5 * 3 * 2, 7).map((v) => v * 3);
      // A transposed, step-2 view of a larger buffer.
      const x: View = { ...upload(be, base, [base.length]), shape, strides: [2, 6, 30], offset: 1 };
      const ref: Record<string, (v: number) => number> = {
        neg: (v) => -v,
        abs: Math.abs,
        exp: Math.exp,
        expm1: Math.expm1,
        log: Math.log,
        log1p: Math.log1p,
        sqrt: Math.sqrt,
        rsqrt: (v) => 1 / Math.sqrt(v),
        reciprocal: (v) => 1 / v,
        sin: Math.sin,
        cos: Math.cos,
        tan: Math.tan,
        tanh: Math.tanh,
        sigmoid: (v) => 1 / (1 + Math.exp(-v)),
        floor: Math.floor,
        ceil: Math.ceil,
        round: roundHalfEven,
        relu: (v) => Math.max(v, 0),
        sign: Math.sign,
      };
      for (const [op, f] of Object.entries(ref)) {
        const o = empty(be, shape);
        be.unary(op as any, x, o);
        const want = [...indices(shape)].map((idx) => Math.fround(f(at(base, x.strides, 1, idx))));
        expectClose(download(be, o), want, 2e-6, 1e-7);
      }
    });

    it('erf matches its series definition', () => {
      const xs = new Float32Array([-3, -1.5, -0.7, -0.2, 0, 1e-4, 0.3, 0.49, 0.51, 1, 2, 4]);
      const erf = (x: number) => {
        // Maclaurin series, converged for |x| <= 4 in float64.
        let term = x;
        let sum = x;
        for (let n = 1; n < 200; n++) {
          term *= (-x * x) / n;
          sum += term / (2 * n + 1);
        }
        return (2 / Math.sqrt(Math.PI)) * sum;
      };
      const x = upload(be, xs, [xs.length]);
      const o = empty(be, [xs.length]);
      be.unary('erf', x, o);
      expectClose(download(be, o), Array.from(xs, erf), 3e-7, 2e-7);
    });

    it('round is half-to-even; NaN propagates; isnan and logicalNot write bool', () => {
      const xs = new Float32Array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, NaN]);
      const x = upload(be, xs, [8]);
      const o = empty(be, [8]);
      be.unary('round', x, o);
      expect(Array.from(download(be, o))).toEqual([0, 2, 2, -0, -2, -2, 2, NaN]);
      be.unary('relu', x, o);
      expect(Number.isNaN(download(be, o)[7])).toBe(true);
      const ob = empty(be, [8], 'bool');
      be.unary('isnan', x, ob);
      expect(Array.from(download(be, ob))).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
      be.unary('logicalNot', upload(be, new Float32Array([0, 1, -0, 2, 0, 0, 0, 3]), [8]), ob);
      expect(Array.from(download(be, ob))).toEqual([1, 0, 1, 0, 1, 1, 1, 0]);
    });

    it('int32 unary ops', () => {
      const x = upload(be, new Int32Array([-3, 0, 5, -2147483647]), [4], 'int32');
      const o = empty(be, [4], 'int32');
      be.unary('abs', x, o);
      expect(Array.from(download(be, o))).toEqual([3, 0, 5, 2147483647]);
      be.unary('sign', x, o);
      expect(Array.from(download(be, o))).toEqual([-1, 0, 1, -1]);
      be.unary('relu', x, o);
      expect(Array.from(download(be, o))).toEqual([0, 0, 5, 0]);
    });

    it('binary float ops with broadcasting match definitions', () => {
      const shape = [4, 3, 6];
      const A = randomData(4 * 3 * 6, 8).map((v) => v * 4);
      const Bd = randomData(6, 9).map((v) => v * 3 + 0.1);
      const a = upload(be, A, shape);
      const b: View = { ...upload(be, Bd, [6]), shape, strides: [0, 0, 1] };
      const ref: Record<string, (x: number, y: number) => number> = {
        add: (x, y) => x + y,
        sub: (x, y) => x - y,
        mul: (x, y) => x * y,
        div: (x, y) => x / y,
        pow: (x, y) => Math.abs(x) ** y,
        maximum: Math.max,
        minimum: Math.min,
        atan2: Math.atan2,
        remainder: pyRem,
        floorDivide: (x, y) => Math.floor(x / y),
      };
      const absA = upload(be, A.map(Math.abs), shape);
      for (const [op, f] of Object.entries(ref)) {
        const o = empty(be, shape);
        be.binary(op as any, op === 'pow' ? absA : a, b, o);
        const want = [...indices(shape)].map((idx) => Math.fround(f(at(A, a.strides, 0, idx), Bd[idx[2]])));
        // floor(x/y) may differ from the exact-remainder definition by one ulp of the quotient.
        expectClose(download(be, o), want, 2e-6, 2e-6);
      }
      // scalar on the left (broadcast in the first operand)
      const o = empty(be, shape);
      be.binary('sub', b, a, o);
      const want = [...indices(shape)].map((idx) => Math.fround(Bd[idx[2]] - at(A, a.strides, 0, idx)));
      expectClose(download(be, o), want, 0, 0);
    });

    it('maximum/minimum propagate NaN; comparisons write bool', () => {
      const a = upload(be, new Float32Array([1, NaN, 3, -0, 2]), [5]);
      const b = upload(be, new Float32Array([NaN, 1, 2, 0, 2]), [5]);
      const o = empty(be, [5]);
      be.binary('maximum', a, b, o);
      const r = download(be, o);
      expect(Number.isNaN(r[0]) && Number.isNaN(r[1])).toBe(true);
      expect(r[2]).toBe(3);
      const ob = empty(be, [5], 'bool');
      const cases: [string, number[]][] = [
        ['eq', [0, 0, 0, 1, 1]],
        ['ne', [1, 1, 1, 0, 0]],
        ['lt', [0, 0, 0, 0, 0]],
        ['le', [0, 0, 0, 1, 1]],
        ['gt', [0, 0, 1, 0, 0]],
        ['ge', [0, 0, 1, 1, 1]],
      ];
      for (const [op, want] of cases) {
        be.binary(op as any, a, b, ob);
        expect(Array.from(download(be, ob)), op).toEqual(want);
      }
    });

    it('int32 remainder and floorDivide follow Python sign rules', () => {
      const as = [7, -7, 7, -7, 0, 5, -2147483648];
      const bs = [3, 3, -3, -3, 4, 1, 3];
      const a = upload(be, new Int32Array(as), [as.length], 'int32');
      const b = upload(be, new Int32Array(bs), [bs.length], 'int32');
      const o = empty(be, [as.length], 'int32');
      be.binary('remainder', a, b, o);
      expect(Array.from(download(be, o))).toEqual(as.map((x, i) => pyRem(x, bs[i])));
      be.binary('floorDivide', a, b, o);
      expect(Array.from(download(be, o))).toEqual(as.map((x, i) => Math.floor(x / bs[i])));
      be.binary('add', a, b, o);
      expect(Array.from(download(be, o))).toEqual(as.map((x, i) => (x + bs[i]) | 0));
      be.binary('mul', a, b, o);
      expect(Array.from(download(be, o))).toEqual(as.map((x, i) => Math.imul(x, bs[i])));
    });

    it('logical ops on bool', () => {
      const a = upload(be, new Uint8Array([0, 0, 1, 1]), [4], 'bool');
      const b = upload(be, new Uint8Array([0, 1, 0, 1]), [4], 'bool');
      const o = empty(be, [4], 'bool');
      for (const [op, want] of [
        ['logicalAnd', [0, 0, 0, 1]],
        ['logicalOr', [0, 1, 1, 1]],
        ['logicalXor', [0, 1, 1, 0]],
      ] as const) {
        be.binary(op, a, b, o);
        expect(Array.from(download(be, o)), op).toEqual(want);
      }
    });

    it('large elementwise (threaded range) with in-place accumulate', () => {
      const n = 300_001;
      const A = randomData(n, 10);
      const Bd = randomData(n, 11);
      const a = upload(be, A, [n]);
      const b = upload(be, Bd, [n]);
      be.binary('add', a, b, a);
      expectClose(
        download(be, a),
        Array.from(A, (v, i) => Math.fround(v + Bd[i])),
        0,
        0,
      );
      const o = empty(be, [n]);
      be.unary('exp', b, o);
      expectClose(
        download(be, o),
        Array.from(Bd, (v) => Math.fround(Math.exp(v))),
        1e-6,
        0,
      );
    });

    it('comparisons and where on vector-length rows (16-wide chunks plus a tail) match JS', () => {
      // 37 = two 16-lane chunks and a 5-element tail; NaN, ±0 and ±Inf included.
      const n = 37;
      const special = [Number.NaN, 0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
      const A = Float32Array.from({ length: n }, (_, i) => special[i % 7] ?? Math.fround(Math.sin(i) * 3));
      const B = Float32Array.from({ length: n }, (_, i) => special[i % 5] ?? Math.fround(Math.cos(i) * 3));
      const a = upload(be, A, [n]);
      const b = upload(be, B, [n]);
      const s = upload(be, new Float32Array([0.5]), [1]);
      const sb: View = { ...s, shape: [n], strides: [0] };
      const ob = empty(be, [n], 'bool');
      const ops: [string, (x: number, y: number) => boolean][] = [
        ['eq', (x, y) => x === y],
        ['ne', (x, y) => x !== y],
        ['lt', (x, y) => x < y],
        ['le', (x, y) => x <= y],
        ['gt', (x, y) => x > y],
        ['ge', (x, y) => x >= y],
      ];
      for (const [op, f] of ops) {
        be.binary(op as any, a, b, ob);
        expect(Array.from(download(be, ob)), `${op} rows`).toEqual(
          Array.from(A, (x, i) => (f(x, B[i] ?? 0) ? 1 : 0)),
        );
        be.binary(op as any, a, sb, ob);
        expect(Array.from(download(be, ob)), `${op} row-scalar`).toEqual(
          Array.from(A, (x) => (f(x, 0.5) ? 1 : 0)),
        );
        be.binary(op as any, sb, a, ob);
        expect(Array.from(download(be, ob)), `${op} scalar-row`).toEqual(
          Array.from(A, (x) => (f(0.5, x) ? 1 : 0)),
        );
      }
      const C = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
      const c = upload(be, C, [n], 'bool');
      const o = empty(be, [n]);
      be.where(c, a, sb, o);
      const got = download(be, o);
      // Bits are moved, so NaN stays NaN and -0 stays -0 (Object.is).
      for (const [i, x] of A.entries())
        expect(Object.is(got[i], C[i] ? x : 0.5), `where row-scalar ${i}`).toBe(true);
      be.where(c, sb, a, o);
      const got2 = download(be, o);
      for (const [i, x] of A.entries())
        expect(Object.is(got2[i], C[i] ? 0.5 : x), `where scalar-row ${i}`).toBe(true);
      const I = Int32Array.from({ length: n }, (_, i) => i * 1000 - 7);
      const ia = upload(be, I, [n], 'int32');
      const ib: View = { ...upload(be, new Int32Array([-1]), [1], 'int32'), shape: [n], strides: [0] };
      const io = empty(be, [n], 'int32');
      be.where(c, ia, ib, io);
      expect(Array.from(download(be, io))).toEqual(Array.from(I, (x, i) => (C[i] ? x : -1)));
    });

    it('where, copy with casts, fill', () => {
      const c = upload(be, new Uint8Array([1, 0, 1, 0]), [2, 2], 'bool');
      const a = upload(be, new Float32Array([1, 2, 3, 4]), [2, 2]);
      const b: View = { ...upload(be, new Float32Array([10, 20]), [2]), shape: [2, 2], strides: [1, 0] };
      const o = empty(be, [2, 2]);
      be.where(c, a, b, o);
      expect(Array.from(download(be, o))).toEqual([1, 10, 3, 20]);
      const f = upload(be, new Float32Array([1.9, -1.9, 0, 0.2, -0, 3e9]), [6]);
      const i = empty(be, [6], 'int32');
      be.copy(f, i);
      expect(Array.from(download(be, i)).slice(0, 5)).toEqual([1, -1, 0, 0, 0]);
      const bo = empty(be, [6], 'bool');
      be.copy(f, bo);
      expect(Array.from(download(be, bo))).toEqual([1, 1, 0, 1, 0, 1]);
      // transposed copy (contiguous())
      const t: View = { ...a, shape: [2, 2], strides: [1, 2] };
      be.copy(t, o);
      expect(Array.from(download(be, o))).toEqual([1, 3, 2, 4]);
      be.fill(i, 2.7);
      expect(Array.from(download(be, i))).toEqual([2, 2, 2, 2, 2, 2]);
      be.fill({ ...o, shape: [2], strides: [2] }, -1.5);
      expect(Array.from(download(be, o))).toEqual([-1.5, 3, -1.5, 4]);
    });

    it('reductions (NaN propagation, first-occurrence argmax, int32)', () => {
      const outer = 5;
      const inner = 37;
      const X = randomData(outer * inner, 12);
      X[inner * 2 + 5] = NaN;
      X[inner * 3 + 10] = X[inner * 3 + 20] = 5;
      const x = upload(be, X, [outer, inner]);
      const o = empty(be, [outer]);
      const oi = empty(be, [outer], 'int32');
      const rows = [...Array(outer).keys()].map((r) => Array.from(X.subarray(r * inner, (r + 1) * inner)));
      be.reduce('sum', x, o, outer, inner);
      expectClose(
        download(be, o),
        rows.map((r) => r.reduce((s, v) => s + v, 0)),
        1e-5,
        1e-5,
      );
      be.reduce('max', x, o, outer, inner);
      expectClose(
        download(be, o),
        rows.map((r) => (r.some(Number.isNaN) ? NaN : Math.max(...r))),
      );
      be.reduce('min', x, o, outer, inner);
      expectClose(
        download(be, o),
        rows.map((r) => (r.some(Number.isNaN) ? NaN : Math.min(...r))),
      );
      be.reduce('prod', x, o, outer, inner);
      expectClose(
        download(be, o),
        rows.map((r) => r.reduce((s, v) => s * v, 1)),
        1e-4,
        1e-30,
      );
      be.reduce('argmax', x, oi, outer, inner);
      const argmax = rows.map((r) => {
        const nan = r.findIndex(Number.isNaN);
        return nan >= 0 ? nan : r.indexOf(Math.max(...r));
      });
      expect(Array.from(download(be, oi))).toEqual(argmax);
      be.reduce('argmin', x, oi, outer, inner);
      const argmin = rows.map((r) => {
        const nan = r.findIndex(Number.isNaN);
        return nan >= 0 ? nan : r.indexOf(Math.min(...r));
      });
      expect(Array.from(download(be, oi))).toEqual(argmin);
      const xi = upload(be, new Int32Array([3, -1, 4, 1, 5, 9]), [2, 3], 'int32');
      const s = empty(be, [2], 'int32');
      be.reduce('sum', xi, s, 2, 3);
      expect(Array.from(download(be, s))).toEqual([6, 15]);
      be.reduce('max', xi, s, 2, 3);
      expect(Array.from(download(be, s))).toEqual([4, 9]);
    });

    it('gather and scatterAdd (repeated indices) along dim 1', () => {
      const X = new Float32Array([1, 2, 3, 4, 5, 6]); // [2, 3]
      const x = upload(be, X, [2, 3]);
      const idx = upload(be, new Int32Array([2, 0, 2, 1, 1, 0]), [2, 3], 'int32');
      const o = empty(be, [2, 3]);
      be.gather(x, idx, 1, o);
      expect(Array.from(download(be, o))).toEqual([3, 1, 3, 5, 5, 4]);
      const acc = upload(be, new Float32Array(6), [2, 3]);
      be.scatterAdd(acc, idx, x, 1);
      expect(Array.from(download(be, acc))).toEqual([2, 0, 4, 6, 9, 0]);
    });

    it('softmax and log-softmax rows', () => {
      const outer = 6;
      const inner = 13;
      const X = randomData(outer * inner, 16).map((v) => v * 10);
      const x = upload(be, X, [outer, inner]);
      const o = empty(be, [outer, inner]);
      for (const log of [false, true]) {
        be.fused.softmax!(x, o, outer, inner, log);
        const want: number[] = [];
        for (let r = 0; r < outer; r++) {
          const row = Array.from(X.subarray(r * inner, (r + 1) * inner));
          const m = Math.max(...row);
          const s = row.reduce((a, v) => a + Math.exp(v - m), 0);
          for (const v of row) want.push(log ? v - m - Math.log(s) : Math.exp(v - m) / s);
        }
        expectClose(download(be, o), want, 1e-5, 1e-6);
      }
    });

    it('layerNorm with and without affine', () => {
      const outer = 4;
      const inner = 27;
      const X = randomData(outer * inner, 17).map((v) => v * 3 + 1);
      const Wt = randomData(inner, 18);
      const Bs = randomData(inner, 19);
      const x = upload(be, X, [outer, inner]);
      const w = upload(be, Wt, [inner]);
      const b = upload(be, Bs, [inner]);
      const o = empty(be, [outer, inner]);
      const mean = empty(be, [outer]);
      const rstd = empty(be, [outer]);
      for (const affine of [true, false]) {
        be.fused.layerNorm!(x, affine ? w : null, affine ? b : null, o, mean, rstd, {
          outer,
          inner,
          eps: 1e-5,
        });
        const want: number[] = [];
        const means: number[] = [];
        const rstds: number[] = [];
        for (let r = 0; r < outer; r++) {
          const row = Array.from(X.subarray(r * inner, (r + 1) * inner));
          const mu = row.reduce((a, v) => a + v, 0) / inner;
          const vr = row.reduce((a, v) => a + (v - mu) ** 2, 0) / inner;
          const rs = 1 / Math.sqrt(vr + 1e-5);
          means.push(mu);
          rstds.push(rs);
          row.forEach((v, i) => {
            want.push(affine ? (v - mu) * rs * Wt[i] + Bs[i] : (v - mu) * rs);
          });
        }
        expectClose(download(be, o), want, 1e-5, 1e-5);
        expectClose(download(be, mean), means, 1e-6, 1e-6);
        expectClose(download(be, rstd), rstds, 1e-5, 0);
      }
    });

    it.each(['uniform', 'normal'] as const)('random %s equals core philoxFill bit for bit', (kind) => {
      for (const n of [1, 7, 4099]) {
        const state = {
          key: [0x12345678, 0x9abcdef0] as [number, number],
          counter: [3, 0xffffffff] as [number, number],
        };
        const o = empty(be, [n]);
        be.random(kind, state, o);
        const want = new Float32Array(n);
        philoxFill(kind, state, want);
        expect(download(be, o)).toEqual(want);
      }
    });
  });
}

describe('strided helper', () => {
  it('stridesOf', () => {
    expect(stridesOf([2, 3, 4])).toEqual([12, 4, 1]);
  });
});
