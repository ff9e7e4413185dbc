import type { View } from '@layers/core';
import { describe, expect, it } from 'vitest';
import { backend, empty, expectClose, rand, read, view } from './helpers.js';

/** Element (p, r, c) of a rank-3 view from its raw data. */
function at(data: number[], v: View, p: number, r: number, c: number): number {
  return data[v.offset + p * v.strides[0] + r * v.strides[1] + c * v.strides[2]];
}

/** Naive float64 triple loop: the mathematical definition of the batched product. */
function naive(aData: number[], a: View, bData: number[], b: View): number[] {
  const [B, M, K] = a.shape;
  const N = b.shape[2];
  const out: number[] = [];
  for (let p = 0; p < B; p++) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += at(aData, a, p, i, k) * at(bData, b, p, k, j);
        out.push(s);
      }
    }
  }
  return out;
}

function check(
  B: number,
  M: number,
  K: number,
  N: number,
  opts: { ta?: boolean; tb?: boolean; bcast?: boolean } = {},
) {
  // a stored as [B, M, K] or, when transposed, as [B, K, M] read through swapped strides.
  const aBatch = opts.bcast ? 1 : B;
  const aData = rand(aBatch * M * K + 3, M * 31 + K);
  const bData = rand(B * K * N + 5, N * 17 + K);
  const aStrides = opts.ta ? [M * K, 1, M] : [M * K, K, 1];
  if (opts.bcast) aStrides[0] = 0;
  const bStrides = opts.tb ? [K * N, 1, K] : [K * N, N, 1];
  const a = view('float32', aData, [B, M, K], aStrides, 3);
  const b = view('float32', bData, [B, K, N], bStrides, 5);
  const out = empty('float32', [B, M, N]);
  backend.matmul(a, b, out);
  // |terms| < 1 so the float32 result is within ~K ulps of 1: scale tolerance with sqrt(K).
  expectClose(read(out), naive(aData, a, bData, b), 1e-5, 2e-6 * Math.sqrt(K) + 1e-6);
}

describe('matmul', () => {
  const sizes = [1, 3, 17, 65, 130];
  it('matches a float64 triple loop on awkward sizes', () => {
    for (const M of sizes) for (const K of sizes) for (const N of [1, 17, 130]) check(1, M, K, N);
  });

  it('handles transposed operands (strided packing)', () => {
    for (const [M, K, N] of [
      [17, 65, 3],
      [65, 130, 17],
      [130, 17, 65],
      [5, 300, 9],
    ]) {
      check(2, M, K, N, { ta: true });
      check(2, M, K, N, { tb: true });
      check(2, M, K, N, { ta: true, tb: true });
    }
  });

  it('broadcasts a stride-0 batch dim and spans several K/N blocks', () => {
    check(3, 33, 65, 17, { bcast: true });
    check(2, 70, 520, 600);
  });

  it('propagates NaN and inf (no zero skipping)', () => {
    const a = view('float32', [0, 1], [1, 1, 2]);
    const b = view('float32', [Infinity, 2], [1, 2, 1]);
    const out = empty('float32', [1, 1, 1]);
    backend.matmul(a, b, out);
    expect(read(out)[0]).toBeNaN();
  });
});
