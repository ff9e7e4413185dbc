// Packed, blocked SGEMM with a 4x8 register tile (8 f32x4 accumulators).
//
// B is packed once per call into panels of 8 columns, k-major ([K][8] per panel), so the
// micro-kernel streams it with two aligned loads per k. A is packed per (row block, k block)
// into this thread's scratch as micro-panels of 4 rows ([kc][4]), so the four broadcasts
// per k are `v128.load32_splat` with immediate offsets (faster than splat(load)).
// Work items are (batch, 64-row block, nb-column block); threads split the item range. The
// caller picks nb as wide as the thread count allows, since each block repacks its A rows.
import { scratch } from './common';

const MB: i32 = 64;
const KC: i32 = 256;
const APACK_BYTES: usize = <usize>(MB * KC * 4);

/** Bytes of private scratch each thread needs (A pack + one edge tile). */
export function scratchBytes(): usize {
  return APACK_BYTES + 1024;
}

/**
 * Pack B [batch][K][N] (strides in elements) into panels; item = batch * panels + panel.
 * Columns past N are zero so edge tiles need no special case in the k loop.
 */
export function packB(b: usize, sb: i32, sk: i32, sn: i32, K: i32, N: i32, dst: usize, dstBatchBytes: usize, lo: i32, hi: i32): void {
  const panels = (N + 7) >> 3;
  for (let item = lo; item < hi; item++) {
    const bi = item / panels;
    const pj = item - bi * panels;
    const j0 = pj << 3;
    const src = b + (<usize>(bi * sb + j0 * sn) << 2);
    const d = dst + <usize>bi * dstBatchBytes + <usize>pj * <usize>K * 32;
    const cols = min(8, N - j0);
    if (cols == 8 && sn == 1) {
      for (let k = 0; k < K; k++) {
        const s = src + (<usize>(k * sk) << 2);
        const q = d + (<usize>k << 5);
        v128.store(q, v128.load(s));
        v128.store(q, v128.load(s, 16), 16);
      }
    } else {
      for (let c = 0; c < 8; c++) {
        if (c < cols) {
          const s = src + (<usize>(c * sn) << 2);
          for (let k = 0; k < K; k++) store<f32>(d + (<usize>k << 5) + (<usize>c << 2), load<f32>(s + (<usize>(k * sk) << 2)));
        } else {
          for (let k = 0; k < K; k++) store<f32>(d + (<usize>k << 5) + (<usize>c << 2), 0);
        }
      }
    }
  }
}

/** Pack rows [m0, m0+mb) x k [k0, k0+kc) of A into 4-row micro-panels ([kc][4] each). */
function packA(a: usize, sm: i32, sk: i32, M: i32, m0: i32, mb: i32, k0: i32, kc: i32, dst: usize): void {
  for (let p = 0; p < mb; p += 4) {
    const d = dst + <usize>(p * kc) * 4;
    if (sk == 1 && m0 + p + 4 <= M && (kc & 3) == 0) {
      // Row-major A: transpose 4x4 blocks with shuffles instead of 16 scalar moves.
      const s0 = a + (<usize>((m0 + p) * sm + k0) << 2);
      const rs = <usize>sm << 2;
      for (let k = 0; k < kc; k += 4) {
        const q = s0 + (<usize>k << 2);
        const v0 = v128.load(q);
        const v1 = v128.load(q + rs);
        const v2 = v128.load(q + 2 * rs);
        const v3 = v128.load(q + 3 * rs);
        const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5);
        const t1 = i32x4.shuffle(v2, v3, 0, 4, 1, 5);
        const t2 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
        const t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
        const o = d + (<usize>k << 4);
        v128.store(o, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
        v128.store(o, i32x4.shuffle(t0, t1, 2, 3, 6, 7), 16);
        v128.store(o, i32x4.shuffle(t2, t3, 0, 1, 4, 5), 32);
        v128.store(o, i32x4.shuffle(t2, t3, 2, 3, 6, 7), 48);
      }
      continue;
    }
    for (let r = 0; r < 4; r++) {
      const row = m0 + p + r;
      const q = d + (<usize>r << 2);
      if (row < M) {
        const s = a + (<usize>(row * sm + k0 * sk) << 2);
        if (sk == 1) {
          for (let k = 0; k < kc; k++) store<f32>(q + (<usize>k << 4), load<f32>(s + (<usize>k << 2)));
        } else {
          for (let k = 0; k < kc; k++) store<f32>(q + (<usize>k << 4), load<f32>(s + (<usize>(k * sk) << 2)));
        }
      } else {
        for (let k = 0; k < kc; k++) store<f32>(q + (<usize>k << 4), 0);
      }
    }
  }
}

/** C[4x8] (+)= Apanel[kc][4] * Bpanel[kc][8]; ldc in bytes. */
function micro(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, acc: bool): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    ap += 16;
    bp += 32;
  }
  if (acc) {
    c00 = f32x4.add(c00, v128.load(c));
    c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + ldc));
    c11 = f32x4.add(c11, v128.load(c + ldc, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * ldc));
    c21 = f32x4.add(c21, v128.load(c + 2 * ldc, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * ldc));
    c31 = f32x4.add(c31, v128.load(c + 3 * ldc, 16));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  c += ldc;
  v128.store(c, c10);
  v128.store(c, c11, 16);
  c += ldc;
  v128.store(c, c20);
  v128.store(c, c21, 16);
  c += ldc;
  v128.store(c, c30);
  v128.store(c, c31, 16);
}

/**
 * out[b] (+)= A[b] @ B[b] for items in [lo, hi). A strides (sb, sm, sk) in elements;
 * `pb` is packed B with `pbBatchBytes` between batches (0 when B is broadcast); out has
 * `ob` elements between batches and row stride N. `NB` (a multiple of 8) is the column block.
 */
export function gemm(
  a: usize, sb: i32, sm: i32, sk: i32, pb: usize, pbBatchBytes: usize, o: usize, ob: i32,
  M: i32, N: i32, K: i32, NB: i32, lo: i32, hi: i32,
): void {
  const mBlocks = (M + MB - 1) / MB;
  const nBlocks = (N + NB - 1) / NB;
  const apack = scratch;
  const tile = scratch + APACK_BYTES;
  const ldc = <usize>N << 2;
  for (let item = lo; item < hi; item++) {
    const bi = item / (mBlocks * nBlocks);
    const rest = item - bi * mBlocks * nBlocks;
    const mi = rest / nBlocks;
    const ni = rest - mi * nBlocks;
    const m0 = mi * MB;
    const mb = min(MB, M - m0);
    const mbPad = (mb + 3) & ~3;
    const n0 = ni * NB;
    const n1 = min(N, n0 + NB);
    const ab = a + (<usize>(bi * sb) << 2);
    const bb = pb + <usize>bi * pbBatchBytes;
    const cb = o + (<usize>(bi * ob) << 2);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = min(KC, K - k0);
      const acc = k0 > 0;
      packA(ab, sm, sk, M, m0, mbPad, k0, kc, apack);
      for (let j = n0; j < n1; j += 8) {
        const bp = bb + <usize>(j >> 3) * <usize>K * 32 + (<usize>k0 << 5);
        const cols = min(8, N - j);
        for (let i = 0; i < mbPad; i += 4) {
          const ap = apack + <usize>(i * kc) * 4;
          const rows = min(4, mb - i);
          const c = cb + <usize>(m0 + i) * ldc + (<usize>j << 2);
          if (rows == 4 && cols == 8) {
            micro(ap, bp, kc, c, ldc, acc);
          } else {
            micro(ap, bp, kc, tile, 32, false);
            for (let r = 0; r < rows; r++) {
              for (let q = 0; q < cols; q++) {
                const dst = c + <usize>r * ldc + (<usize>q << 2);
                const v = load<f32>(tile + (<usize>(r * 8 + q) << 2));
                store<f32>(dst, acc ? load<f32>(dst) + v : v);
              }
            }
          }
        }
      }
    }
  }
}

/** Row blocks per batch, for the JS side's choice of column block and thread partition. */
export function gemmRowBlocks(M: i32): i32 {
  return (M + MB - 1) / MB;
}
