// Batched transpose of 4-byte elements, the copy kernel's fast path (src/dispatch.ts picks
// it): out[b][i][j] = x[b * sxb + i + j * sxj], x contiguous along out's rows. The plain
// copy walks out's rows and reads x with stride sxj, one cache line per element; here 4x4
// blocks go through registers (packA's shuffles), and an item of 16 rows walks j once so each
// 64-byte line of x is used whole. Measured: the LSTM training step's [64, 512, 32] copy
// with x strides [512, 1, 32768] (1M floats), 10.7 ms as a strided copy.

import { storeTransposed4 } from './common';

const ROWS: i32 = 16;

/** Items of ROWS output rows per batch, for the JS side's partition. */
export function transposeItems(B: i32, R: i32): i32 {
  return B * ((R + ROWS - 1) / ROWS);
}

export function transpose(
  x: usize, o: usize, R: i32, C: i32, sxb: i32, sxj: i32, sob: i32, sor: i32, lo: i32, hi: i32,
): void {
  const blocks = (R + ROWS - 1) / ROWS;
  const xj = <usize>sxj << 2;
  const orow = <usize>sor << 2;
  for (let item = lo; item < hi; item++) {
    const b = item / blocks;
    const r0 = (item - b * blocks) * ROWS;
    const r1 = min(R, r0 + ROWS);
    const xb = x + (<usize>b * <usize>sxb << 2);
    const ob = o + (<usize>b * <usize>sob << 2);
    let j = 0;
    for (; j + 4 <= C; j += 4) {
      let i = r0;
      for (; i + 4 <= r1; i += 4) {
        const p = xb + (<usize>i << 2) + <usize>j * xj;
        const v0 = v128.load(p);
        const v1 = v128.load(p + xj);
        const v2 = v128.load(p + 2 * xj);
        const v3 = v128.load(p + 3 * xj);
        storeTransposed4(v0, v1, v2, v3, ob + <usize>i * orow + (<usize>j << 2), orow);
      }
      for (; i < r1; i++) {
        for (let k = 0; k < 4; k++) {
          store<u32>(ob + <usize>i * orow + (<usize>(j + k) << 2), load<u32>(xb + (<usize>i << 2) + <usize>(j + k) * xj));
        }
      }
    }
    for (; j < C; j++) {
      for (let i = r0; i < r1; i++) store<u32>(ob + <usize>i * orow + (<usize>j << 2), load<u32>(xb + (<usize>i << 2) + <usize>j * xj));
    }
  }
}
