// Packed, blocked SGEMM with a 4x8 register tile (8 f32x4 accumulators).
//
// Why 4x8: without FMA each k step of an MRx8 tile is 2 B loads, MR splat loads and MR*2
// mul/add pairs. Measured in V8 (Node 20, x64): 4x8 reaches ~42 GFLOP/s with operands in
// L1, while 5x8 and 6x8 (14 and 16 live vectors) drop to ~21-25 (register spills), and
// unrolling the k loop (by 2 or 4) also drops to ~25, so the loop stays simple.
// The relaxed-SIMD build fuses each mul/add pair (fma.ts's madd): one op per pair.
//
// B is packed once per call into panels of 8 columns, k-major ([K][8] per panel), so the
// micro-kernel streams it with two loads per k (for A with few rows, the caller skips the
// packing and a row-major B is read in place, its panels strided by the row length). A is packed per
// (row block, k block) into this thread's scratch as 4-row micro-panels ([kc][4]), so the
// broadcasts are `v128.load32_splat` with immediate offsets.
//
// Work items are (batch, column block, 4-row strip); the pool gives each thread a contiguous
// range of items, so rows split evenly between threads, and a thread packs at most MB rows
// of A at a time. The caller picks the column block nb (a multiple of 8): the whole width
// unless there are too few strips to keep every thread busy.
import { scratch, storeTransposed4 } from './common';
import { madd } from './fma';

const MR: i32 = 4;
/** Rows of A packed at once (a multiple of MR): MB x KC floats stay in L2. */
const MB: i32 = 128;
/** k block: one B micro-panel (KC x 8 floats = 8 KB) stays in L1 across the row strips. */
const KC: i32 = 256;
const APACK_BYTES: usize = <usize>(MB * KC * 4);
const TILE_BYTES: usize = <usize>(MR * 8 * 4);

/** Bytes of private scratch each thread needs (A pack + one edge tile). */
export function scratchBytes(): usize {
  return APACK_BYTES + TILE_BYTES + 64;
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

/**
 * Pack `strips` 4-row strips of A starting at row m0, k in [k0, k0+kc), into micro-panels
 * [kc][MR] (MR*4 bytes per k). Rows past M are zero.
 */
export function packA(a: usize, sm: i32, sk: i32, M: i32, m0: i32, strips: i32, k0: i32, kc: i32, dst: usize): void {
  const rs = <usize>sm << 2;
  const kb = <usize>(MR * 4);
  for (let p = 0; p < strips; p++) {
    const r0 = m0 + p * MR;
    const d = dst + <usize>(p * kc * MR) * 4;
    let k = 0;
    if (sk == 1 && r0 + MR <= M) {
      // Row-major A: transpose 4x4 blocks with shuffles instead of 16 scalar moves.
      const s0 = a + (<usize>(r0 * sm + k0) << 2);
      for (; k + 4 <= kc; k += 4) {
        const q = s0 + (<usize>k << 2);
        const v0 = v128.load(q);
        const v1 = v128.load(q + rs);
        const v2 = v128.load(q + 2 * rs);
        const v3 = v128.load(q + 3 * rs);
        storeTransposed4(v0, v1, v2, v3, d + <usize>k * kb, kb);
      }
    }
    // Strided A, the k tail and the bottom edge: element by element.
    for (let r = 0; r < MR; r++) {
      const row = r0 + r;
      const q = d + (<usize>r << 2);
      if (row < M) {
        const s = a + (<usize>(row * sm + (k0 + k) * sk) << 2);
        for (let kk = k; kk < kc; kk++) store<f32>(q + <usize>kk * kb, load<f32>(s + (<usize>((kk - k) * sk) << 2)));
      } else {
        for (let kk = k; kk < kc; kk++) store<f32>(q + <usize>kk * kb, 0);
      }
    }
  }
}

/** C[4x8] (+)= Apanel[kc][4] * Bpanel[kc][8]; bs (bytes between k rows of B) and ldc in bytes. */
export function micro(ap: usize, bp: usize, bs: usize, kc: i32, c: usize, ldc: usize, acc: bool): void {
  tile4x8(ap, bp, bs, kc, c, ldc, acc, false);
}

/**
 * micro with B rows read in place through a table: row k of the panel is the 8 floats at
 * base + taps[k] (i32 byte offsets), so conv.ts's implicit GEMM reads an unpacked image as B.
 * Reading in place instead of packing measured (1 thread, CPU time, batch 64): conv 8->16 3x3
 * on 14x14 forward 2.35 -> 2.1 ms, its input gradient 4.3 -> 3.5 ms, conv 1->8 on 28x28
 * forward 0.95 -> 0.79 ms.
 */
export function microTaps(ap: usize, base: usize, taps: usize, kc: i32, c: usize, ldc: usize, acc: bool): void {
  tile4x8(ap, base, taps, kc, c, ldc, acc, true);
}

/**
 * The one 4x8 micro-kernel, its multiply-adds through fma.ts's madd (fused in the relaxed
 * build). `viaTaps` is a constant at both call sites, so after inlining each keeps one way to
 * find row k, with no per-k branch (a branch there would slow every matmul): strided, B row k
 * at p = b + k * step; through the table, p walks the table (step = table address) and row k
 * is at b + load(p).
 */
// @ts-ignore: decorator
@inline function tile4x8(ap: usize, b: usize, step: usize, kc: i32, c: usize, ldc: usize, acc: bool, viaTaps: bool): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let p = viaTaps ? step : b;
  const end = p + <usize>kc * (viaTaps ? 4 : step);
  while (p < end) {
    const bp = viaTaps ? b + <usize>load<i32>(p) : p;
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += 16;
    p += viaTaps ? 4 : step;
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

/** Strips of MR rows covering M, for the JS side's thread partition. */
export function gemmStrips(M: i32): i32 {
  return (M + MR - 1) / MR;
}

/**
 * out[b] (+)= A[b] @ B[b] for items in [lo, hi); item = (batch * nBlocks + column block) *
 * strips + strip. A strides (sb, sm, sk) in elements. B is read as 8-column panels: panel p
 * starts at pb + p * panelBytes and its k rows are `bs` bytes apart, with `pbBatchBytes`
 * between batches (0 when B is broadcast). Packed B has panelBytes = K * 32, bs = 32; a
 * row-major B with N % 8 == 0 can be read in place with panelBytes = 32, bs = row bytes.
 * out has `ob` elements between batches and row stride N. `NB` (a multiple of 8) is the
 * column block.
 */
export function gemm(
  a: usize, sb: i32, sm: i32, sk: i32, pb: usize, pbBatchBytes: usize, panelBytes: usize, bs: usize,
  o: usize, ob: i32,
  M: i32, N: i32, K: i32, NB: i32, lo: i32, hi: i32,
): void {
  const strips = (M + MR - 1) / MR;
  const nBlocks = (N + NB - 1) / NB;
  const apack = scratch;
  const tile = scratch + APACK_BYTES;
  const ldc = <usize>N << 2;
  let item = lo;
  while (item < hi) {
    const group = item / strips; // batch * nBlocks + column block
    const s0 = item - group * strips;
    // Up to MB rows of this (batch, column block), within the thread's range.
    const ns = min(min(MB / MR, strips - s0), hi - item);
    item += ns;
    const bi = group / nBlocks;
    const ni = group - bi * nBlocks;
    const m0 = s0 * MR;
    const mb = min(ns * MR, M - m0);
    const n0 = ni * NB;
    const n1 = min(N, n0 + NB);
    const ab = a + (<usize>(bi * sb) << 2);
    const bb = pb + <usize>bi * pbBatchBytes;
    const cb = o + (<usize>(bi * ob) << 2);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = min(KC, K - k0);
      const acc = k0 > 0;
      packA(ab, sm, sk, M, m0, ns, k0, kc, apack);
      for (let j = n0; j < n1; j += 8) {
        const bp = bb + <usize>(j >> 3) * panelBytes + <usize>k0 * bs;
        const cols = min(8, N - j);
        for (let i = 0; i < mb; i += MR) {
          const ap = apack + <usize>(i * kc) * 4;
          const rows = min(MR, mb - i);
          const c = cb + <usize>(m0 + i) * ldc + (<usize>j << 2);
          if (rows == MR && cols == 8) {
            micro(ap, bp, bs, kc, c, ldc, acc);
          } else {
            micro(ap, bp, bs, kc, tile, 32, false);
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
