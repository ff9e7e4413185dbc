import type { View } from '@layers/core';
import { f32 } from './buffers.js';
import { gemm, MR, NR, stridedOffsets } from './gemm.js';

/** Below this many multiply-adds the packing overhead outweighs the blocked kernel. */
const SMALL = 16 * 16 * 16;

/** Batched [B, M, K] @ [B, K, N] → contiguous [B, M, N]; stride-0 batch dims broadcast. */
export function matmul(a: View, b: View, out: View): void {
  if (a.shape.length !== 3 || b.shape.length !== 3 || out.shape.length !== 3) {
    throw new RangeError('cpu: matmul expects rank-3 views [B, M, K] @ [B, K, N]');
  }
  const [batch, M, K] = a.shape;
  const N = b.shape[2];
  if (b.shape[1] !== K || out.shape[1] !== M || out.shape[2] !== N || b.shape[0] !== batch) {
    throw new RangeError(`cpu: matmul shapes [${a.shape}] @ [${b.shape}] → [${out.shape}] do not line up`);
  }
  const ad = f32(a);
  const bd = f32(b);
  const od = f32(out);
  const [sab, sam, sak] = a.strides;
  const [sbb, sbk, sbn] = b.strides;
  const [sob, som, son] = out.strides;
  if (son !== 1 && N > 1) throw new RangeError('cpu: matmul output must be contiguous along N');
  const ldc = M > 1 ? som : N;
  const small = M < MR || N < NR || M * N * K <= SMALL;
  const aRow = small ? null : stridedOffsets(M, sam);
  const aCol = small ? null : stridedOffsets(K, sak);
  const bRow = small ? null : stridedOffsets(K, sbk);
  const bCol = small ? null : stridedOffsets(N, sbn);
  for (let p = 0; p < batch; p++) {
    const aBase = a.offset + p * sab;
    const bBase = b.offset + p * sbb;
    const oBase = out.offset + p * sob;
    if (small) {
      smallMatmul(M, N, K, ad, aBase, sam, sak, bd, bBase, sbk, sbn, od, oBase, ldc);
    } else {
      gemm(
        M,
        N,
        K,
        { data: ad, base: aBase, rowOff: aRow!, colOff: aCol! },
        { data: bd, base: bBase, rowOff: bRow!, colOff: bCol! },
        od,
        oBase,
        ldc,
      );
    }
  }
}

/**
 * Row-by-row axpy form for tiny or skinny products (M or N below the tile size, e.g. a
 * matrix-vector product), accumulating each output row in float64.
 */
function smallMatmul(
  M: number,
  N: number,
  K: number,
  ad: Float32Array,
  aBase: number,
  sam: number,
  sak: number,
  bd: Float32Array,
  bBase: number,
  sbk: number,
  sbn: number,
  od: Float32Array,
  oBase: number,
  ldc: number,
): void {
  const acc = new Float64Array(N);
  for (let i = 0; i < M; i++) {
    acc.fill(0);
    const ai = aBase + i * sam;
    for (let k = 0; k < K; k++) {
      const av = ad[ai + k * sak];
      const bk = bBase + k * sbk;
      if (sbn === 1) for (let j = 0; j < N; j++) acc[j] += av * bd[bk + j];
      else for (let j = 0; j < N; j++) acc[j] += av * bd[bk + j * sbn];
    }
    const oi = oBase + i * ldc;
    for (let j = 0; j < N; j++) od[oi + j] = acc[j];
  }
}
