import { describe, expect, it } from 'vitest';
import { compareTensor } from '../src/compare.js';
import type { EncodedTensor } from '../src/fixtures.js';

const enc = (data: EncodedTensor['data'], shape = [data.length]): EncodedTensor => ({
  shape,
  dtype: 'float32',
  data,
});

describe('compareTensor', () => {
  it('passes within atol + rtol * |expected| and reports the worst element otherwise', () => {
    const tol = { atol: 0, rtol: 1e-3 };
    expect(compareTensor('o', { shape: [2], dtype: 'float32', data: [1.0005, 2] }, enc([1, 2]), tol).ok).toBe(
      true,
    );
    const r = compareTensor(
      'o',
      { shape: [2, 2], dtype: 'float32', data: [1, 2, 3, 4.1] },
      enc([1, 2, 3, 4], [2, 2]),
      tol,
    );
    expect(r.ok).toBe(false);
    expect(r.message).toContain('flat index 3 ([1, 1])');
    expect(r.message).toContain('expected 4.00000000, got 4.10000000');
    expect(r.ratio).toBeCloseTo(0.1 / 0.004, 6);
  });

  it('tells -0 from +0 with signedZeros, and only then', () => {
    const tol = { atol: 1, rtol: 1 };
    const got = { shape: [2], dtype: 'float32', data: [0, -0] };
    const r = compareTensor('o', got, enc([-0, 0]), tol, { signedZeros: true });
    expect(r.ok).toBe(false);
    expect(r.message).toContain('2/2 elements');
    expect(r.message).toContain('expected -0, got 0');
    expect(compareTensor('o', got, enc([0, -0]), tol, { signedZeros: true }).ok).toBe(true);
    expect(compareTensor('o', got, enc([-0, 0]), tol).ok).toBe(true);
  });

  it('matches NaN with NaN and infinities exactly', () => {
    const tol = { atol: 1, rtol: 1 };
    const e = enc(['nan', 'inf', '-inf']);
    const ok = compareTensor(
      'o',
      { shape: [3], dtype: 'float32', data: [Number.NaN, Infinity, -Infinity] },
      e,
      tol,
    );
    expect(ok.ok).toBe(true);
    expect(
      compareTensor('o', { shape: [3], dtype: 'float32', data: [0, Infinity, -Infinity] }, e, tol).ok,
    ).toBe(false);
    expect(
      compareTensor('o', { shape: [3], dtype: 'float32', data: [Number.NaN, 1e30, -Infinity] }, e, tol).ok,
    ).toBe(false);
    expect(compareTensor('o', { shape: [1], dtype: 'float32', data: [Number.NaN] }, enc([1]), tol).ok).toBe(
      false,
    );
  });

  it('rejects shape and dtype mismatches by name', () => {
    const tol = { atol: 1, rtol: 1 };
    expect(
      compareTensor('o', { shape: [1, 2], dtype: 'float32', data: [1, 2] }, enc([1, 2]), tol).message,
    ).toContain('shape [1, 2], expected [2]');
    expect(
      compareTensor('o', { shape: [2], dtype: 'int32', data: [1, 2] }, enc([1, 2]), tol).message,
    ).toContain('dtype int32, expected float32');
  });

  it('scales perK tolerances by the accumulation length and floors |expected| at the RMS', () => {
    const tol = { atol: 0, rtol: 1e-6, perK: true };
    // a cancelled element (expected 0) next to large ones: allowed = K * rtol * rms
    const e = enc([0, 100]);
    const actual = { shape: [2], dtype: 'float32', data: [1e-3, 100] };
    expect(compareTensor('o', actual, e, tol, { accum: 1 }).ok).toBe(false); // 1e-3 > 1e-6 * 70.7
    expect(compareTensor('o', actual, e, tol, { accum: 64 }).ok).toBe(true); // 1e-3 < 64e-6 * 70.7
  });
});
