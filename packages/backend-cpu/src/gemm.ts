/**
 * Single-threaded packed GEMM (Goto/BLIS structure) in plain JS.
 *
 * Blocks of A (MC x KC) and B (KC x NC) are packed into Float64Arrays laid out exactly as the
 * micro-kernel reads them, so the inner loop does unit-stride loads with no float32→float64
 * conversions and the accumulators stay in registers. The 4x4 micro-kernel was the fastest
 * shape measured on V8 (x64 has 16 vector registers; larger tiles spill accumulators).
 *
 * Operands are described by offset tables: element (r, c) of a matrix is
 * `data[base + rowOff[r] + colOff[c]]`. A strided or transposed matrix is the special case
 * rowOff[r] = r*rs, colOff[c] = c*cs; conv2d feeds im2col without materialising it.
 */

export const MR = 4;
export const NR = 4;
const KC = 512;
const MC = 64;
const NC = 512;

export interface Mat {
  readonly data: Float32Array;
  readonly base: number;
  readonly rowOff: Int32Array;
  readonly colOff: Int32Array;
  /** Implicit zero padding: element (r, c) exists only where the mask says so. */
  readonly mask?: Mask;
}

/**
 * A convolution's padding as a separable bound: (r, c) is inside the input when
 * 0 <= rowH[r] + colH[c] < limH and 0 <= rowW[r] + colW[c] < limW (image row and column of
 * the tap), and reads zero otherwise. Offsets of masked-out elements are never read.
 */
export interface Mask {
  readonly rowH: Int32Array;
  readonly colH: Int32Array;
  readonly limH: number;
  readonly rowW: Int32Array;
  readonly colW: Int32Array;
  readonly limW: number;
}

/** Element (r, c) of `m`, zero where its mask excludes it. */
function at(m: Mat, r: number, c: number): number {
  const k = m.mask;
  if (k) {
    const h = k.rowH[r] + k.colH[c];
    const w = k.rowW[r] + k.colW[c];
    if (h < 0 || h >= k.limH || w < 0 || w >= k.limW) return 0;
  }
  return m.data[m.base + m.rowOff[r] + m.colOff[c]];
}

/** Offsets 0, s, 2s, ... of length n. */
export function stridedOffsets(n: number, s: number): Int32Array {
  const t = new Int32Array(n);
  for (let i = 0; i < n; i++) t[i] = i * s;
  return t;
}

// Scratch reused across calls (JS is single-threaded; MC and NC are multiples of MR and NR).
const packA = new Float64Array(MC * KC);
const packB = new Float64Array(KC * NC);
const tile = new Float32Array(MR * NR);

/**
 * C[M, N] (row stride ldc, starting at cOff) = A[M, K] @ B[K, N], or += when `accumulate`.
 */
export function gemm(
  M: number,
  N: number,
  K: number,
  A: Mat,
  B: Mat,
  C: Float32Array,
  cOff: number,
  ldc: number,
  accumulate = false,
): void {
  if (!accumulate) for (let i = 0; i < M; i++) C.fill(0, cOff + i * ldc, cOff + i * ldc + N);
  if (M === 0 || N === 0 || K === 0) return;
  const pa = packA;
  const pb = packB;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = Math.min(KC, K - pc);
      packPanelsB(B, pc, kc, jc, nc, pb);
      const bPanels = panels(pb, nc, NR, kc);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = Math.min(MC, M - ic);
        packPanelsA(A, ic, mc, pc, kc, pa);
        const aPanels = panels(pa, mc, MR, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = Math.min(NR, nc - jr);
          const bPanel = bPanels[jr / NR];
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = Math.min(MR, mc - ir);
            const co = cOff + (ic + ir) * ldc + jc + jr;
            const aPanel = aPanels[ir / MR];
            if (rows === MR && cols === NR) {
              kernel4x4(aPanel, bPanel, kc * 4, C, co, ldc);
            } else {
              // Edge tile: run the full kernel on zero-padded panels into scratch, keep the valid part.
              tile.fill(0);
              kernel4x4(aPanel, bPanel, kc * 4, tile, 0, NR);
              for (let i = 0; i < rows; i++) {
                for (let j = 0; j < cols; j++) C[co + i * ldc + j] += tile[i * NR + j];
              }
            }
          }
        }
      }
    }
  }
}

/**
 * One subarray per packed panel: the micro-kernel then indexes A and B panels with the same
 * counter, which saved ~5% of the inner loop's integer work on V8.
 */
function panels(packed: Float64Array, extent: number, width: number, kc: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (let r = 0; r < extent; r += width) out.push(packed.subarray(r * kc, (r + width) * kc));
  return out;
}

/** Pack rows [ic, ic+mc) x cols [pc, pc+kc) of A as MR-row panels, k-major, zero-padded. */
function packPanelsA(A: Mat, ic: number, mc: number, pc: number, kc: number, pa: Float64Array): void {
  if (A.mask) {
    packMasked(A, ic, mc, MR, pc, kc, false, pa);
    return;
  }
  const d = A.data;
  const ro = A.rowOff;
  const co = A.colOff;
  const base = A.base;
  for (let ir = 0; ir < mc; ir += MR) {
    let idx = ir * kc;
    const rows = mc - ir;
    if (rows >= MR) {
      const r0 = base + ro[ic + ir];
      const r1 = base + ro[ic + ir + 1];
      const r2 = base + ro[ic + ir + 2];
      const r3 = base + ro[ic + ir + 3];
      for (let k = 0; k < kc; k++, idx += 4) {
        const c = co[pc + k];
        pa[idx] = d[r0 + c];
        pa[idx + 1] = d[r1 + c];
        pa[idx + 2] = d[r2 + c];
        pa[idx + 3] = d[r3 + c];
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const c = base + co[pc + k];
        for (let i = 0; i < MR; i++) pa[idx++] = i < rows ? d[c + ro[ic + ir + i]] : 0;
      }
    }
  }
}

/** Pack rows [pc, pc+kc) x cols [jc, jc+nc) of B as NR-column panels, k-major, zero-padded. */
function packPanelsB(B: Mat, pc: number, kc: number, jc: number, nc: number, pb: Float64Array): void {
  if (B.mask) {
    packMasked(B, jc, nc, NR, pc, kc, true, pb);
    return;
  }
  const d = B.data;
  const ro = B.rowOff;
  const co = B.colOff;
  const base = B.base;
  for (let jr = 0; jr < nc; jr += NR) {
    let idx = jr * kc;
    const cols = nc - jr;
    if (cols >= NR) {
      const c0 = co[jc + jr];
      const c1 = co[jc + jr + 1];
      const c2 = co[jc + jr + 2];
      const c3 = co[jc + jr + 3];
      for (let k = 0; k < kc; k++, idx += 4) {
        const r = base + ro[pc + k];
        pb[idx] = d[r + c0];
        pb[idx + 1] = d[r + c1];
        pb[idx + 2] = d[r + c2];
        pb[idx + 3] = d[r + c3];
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const r = base + ro[pc + k];
        for (let j = 0; j < NR; j++) pb[idx++] = j < cols ? d[r + co[jc + jr + j]] : 0;
      }
    }
  }
}

/**
 * The masked (implicitly padded) case of both packers: panels of `width` lines (rows of A,
 * or columns of B when `cols`) from [l0, l0 + ln), k in [pc, pc + kc), zero-padded.
 */
function packMasked(
  m: Mat,
  l0: number,
  ln: number,
  width: number,
  pc: number,
  kc: number,
  cols: boolean,
  out: Float64Array,
): void {
  for (let lr = 0; lr < ln; lr += width) {
    let idx = lr * kc;
    const lines = Math.min(width, ln - lr);
    for (let k = 0; k < kc; k++) {
      for (let i = 0; i < width; i++) {
        const l = l0 + lr + i;
        out[idx++] = i < lines ? (cols ? at(m, pc + k, l) : at(m, l, pc + k)) : 0;
      }
    }
  }
}

/**
 * C[4x4] += A panel (k-major, 4 rows) @ B panel (k-major, 4 cols), `n` = 4*kc packed values
 * per panel; the 16 accumulators are float64 locals.
 */
function kernel4x4(
  a: Float64Array,
  b: Float64Array,
  n: number,
  c: Float32Array,
  co: number,
  ldc: number,
): void {
  let c00 = 0;
  let c01 = 0;
  let c02 = 0;
  let c03 = 0;
  let c10 = 0;
  let c11 = 0;
  let c12 = 0;
  let c13 = 0;
  let c20 = 0;
  let c21 = 0;
  let c22 = 0;
  let c23 = 0;
  let c30 = 0;
  let c31 = 0;
  let c32 = 0;
  let c33 = 0;
  for (let p = 0; p < n; p += 4) {
    const a0 = a[p];
    const a1 = a[p + 1];
    const a2 = a[p + 2];
    const a3 = a[p + 3];
    const b0 = b[p];
    const b1 = b[p + 1];
    const b2 = b[p + 2];
    const b3 = b[p + 3];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
  }
  c[co] += c00;
  c[co + 1] += c01;
  c[co + 2] += c02;
  c[co + 3] += c03;
  co += ldc;
  c[co] += c10;
  c[co + 1] += c11;
  c[co + 2] += c12;
  c[co + 3] += c13;
  co += ldc;
  c[co] += c20;
  c[co + 1] += c21;
  c[co + 2] += c22;
  c[co + 3] += c23;
  co += ldc;
  c[co] += c30;
  c[co + 1] += c31;
  c[co + 2] += c32;
  c[co + 3] += c33;
}
