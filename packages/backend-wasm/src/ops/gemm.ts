/**
 * Matrix products on the packed SIMD GEMM (assembly/matmul.ts): batched matmul, and the
 * pieces convolution reuses (a GEMM over a B that is already packed).
 */
import type { View } from '@layers/core';
import type { Dispatch } from '../dispatch.js';

/**
 * matmul reads a row-major B in place (no packing) when A has at most this many rows.
 * Measured (1 thread): [16,128]x[128,512] 15% faster in place; at 32 rows packing wins by 10%.
 */
const DIRECT_B_ROWS = 16;

/** @internal out[b] = a[b] @ b[b] for views [B, M, K] x [B or broadcast, K, N]; K > 0. */
export function matmul(d: Dispatch, a: View, b: View, out: View): void {
  const [B, M, K] = a.shape;
  const N = b.shape[2];
  const bBatches = b.strides[0] === 0 ? 1 : B;
  gemm(
    d,
    d.addr(a),
    B === 1 ? 0 : a.strides[0],
    a.strides[1],
    a.strides[2],
    d.addr(b),
    bBatches,
    b.strides[0],
    b.strides[1],
    b.strides[2],
    d.addr(out),
    M * N,
    B,
    M,
    N,
    K,
  );
}

/**
 * @internal out[i] (batch stride ob) = A[i] @ B[i], split by 4-row strips. B is packed once
 * per batch into 8-column panels, except when A has few rows: then packing B (K x N moves)
 * would cost about as much as the product, so a row-major B (N % 8 == 0) is read in place.
 */
export function gemm(
  d: Dispatch,
  a: number,
  sab: number,
  sam: number,
  sak: number,
  b: number,
  bBatches: number,
  sbb: number,
  sbk: number,
  sbn: number,
  o: number,
  ob: number,
  B: number,
  M: number,
  N: number,
  K: number,
): void {
  const direct = sbn === 1 && N % 8 === 0 && M <= DIRECT_B_ROWS;
  const panels = Math.ceil(N / 8);
  const batchBytes = panels * K * 32;
  const packed = direct ? 0 : d.scratch(bBatches * batchBytes);
  try {
    if (!direct) {
      d.par('packB', [b, sbb, sbk, sbn, K, N, packed, batchBytes], bBatches * panels, bBatches * K * N, 1);
    }
    const bArgs = direct
      ? [b, bBatches === 1 ? 0 : sbb * 4, 32, sbk * 4]
      : [packed, bBatches === 1 ? 0 : batchBytes, K * 32, 32];
    gemmRun(d, a, sab, sam, sak, bArgs, o, ob, B, M, N, K);
  } finally {
    if (packed) d.free(packed);
  }
}

/** @internal The gemm kernel over B's panels as described by bArgs (see assembly/matmul.ts). */
export function gemmRun(
  d: Dispatch,
  a: number,
  sab: number,
  sam: number,
  sak: number,
  bArgs: number[],
  o: number,
  ob: number,
  B: number,
  M: number,
  N: number,
  K: number,
): void {
  // Items are 4-row strips; columns are split only when there are too few strips to
  // give every thread several (each column block repacks its rows of A).
  const stripItems = B * d.ex.gemmStrips(M);
  const want = d.pool ? 4 * d.threads : 1;
  const split = stripItems >= want ? 1 : Math.ceil(want / stripItems);
  const nb = Math.max(8, Math.ceil(N / split / 8) * 8);
  const items = stripItems * Math.ceil(N / nb);
  d.par('gemm', [a, sab, sam, sak, ...bArgs, o, ob, M, N, K, nb], items, B * M * N * K, 1);
}
