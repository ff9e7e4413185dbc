/**
 * Register-blocked GEMM without workgroup memory ("direct" variants). Each thread owns a
 * TM x TN block of the output (TN a multiple of 4, kept as vec4 accumulators) and reads its
 * operands straight from storage. There is no barrier and no shared staging: on adapters whose
 * workgroups are CPU threads (SwiftShader) a barrier is a coroutine switch per invocation and
 * the caches already do what shared memory would, so these beat the tiled kernels there; on
 * discrete GPUs the tiled ones usually win. The tuner measures which (tuning/tuner.ts).
 *
 * Matmul variants can also split K across the z dimension of the grid ("split-K"): each slice
 * writes a partial product to a scratch buffer and `splitSumShader` adds the slices in a fixed
 * order, which fills the device for skinny products with a long K (weight gradients of a
 * convolution: 16 x 72 outputs, K = 50,176).
 */
import { enableF16, loadF32, type Storage, storeAs } from './half.js';
import { F32_IO, type MatmulIO } from './matmul.js';

export interface DirectConfig {
  /** Output rows per thread. */
  tm: number;
  /** Output columns per thread (multiple of 4). */
  tn: number;
  /** Workgroup shape (x over columns, y over rows). */
  wg: readonly [number, number];
}

/** The direct variants, by name. */
export const DIRECT_CONFIGS = {
  d4x4: { tm: 4, tn: 4, wg: [8, 8] },
  d8x4: { tm: 8, tn: 4, wg: [8, 8] },
  d4x8: { tm: 4, tn: 8, wg: [8, 8] },
  d8x8: { tm: 8, tn: 8, wg: [4, 8] },
  d2x4: { tm: 2, tn: 4, wg: [16, 4] },
  d4x4s: { tm: 4, tn: 4, wg: [4, 4] },
  // One row of threads: few output rows (channels of a small convolution, a Linear's classes).
  r8x4: { tm: 8, tn: 4, wg: [32, 1] },
  r16x4: { tm: 16, tn: 4, wg: [16, 1] },
  r4x8: { tm: 4, tn: 8, wg: [16, 2] },
} as const satisfies Record<string, DirectConfig>;
export type DirectConfigName = keyof typeof DIRECT_CONFIGS;

/** Rows and columns of output one workgroup covers. */
export function directSpan(c: DirectConfig): [number, number] {
  return [c.tm * c.wg[1], c.tn * c.wg[0]];
}

/**
 * @internal Accumulator declarations, the vec4 FMA block and the guarded stores of a TM x TN
 * register block; `aLoad(i)` / `bLoad(j)` give row i's and column j's operand at this step.
 */
export function registerBlock(c: DirectConfig, aLoad: (i: number) => string, bLoad: (j: number) => string) {
  const tq = c.tn / 4;
  const decl: string[] = [];
  const body: string[] = [];
  for (let i = 0; i < c.tm; i++) for (let q = 0; q < tq; q++) decl.push(`var c${i}_${q} = vec4<f32>(0.0);`);
  for (let q = 0; q < tq; q++) {
    const parts = [0, 1, 2, 3].map((r) => bLoad(q * 4 + r));
    body.push(`let b${q} = vec4<f32>(${parts.join(', ')});`);
  }
  for (let i = 0; i < c.tm; i++) {
    body.push(`{ let a = vec4<f32>(${aLoad(i)});`);
    for (let q = 0; q < tq; q++) body.push(`  c${i}_${q} = fma(a, b${q}, c${i}_${q});`);
    body.push('}');
  }
  const store = (emit: (i: number, j: number, v: string) => string) => {
    const out: string[] = [];
    for (let i = 0; i < c.tm; i++) {
      for (let q = 0; q < tq; q++) {
        for (let r = 0; r < 4; r++) out.push(emit(i, q * 4 + r, `c${i}_${q}[${r}]`));
      }
    }
    return out.join('\n  ');
  };
  return { decl: decl.join(' '), body: body.join('\n    '), store };
}

/**
 * Batched (optionally split-K) matmul over strided views. Params: [B, M, N, K, batchBase,
 * aOff, aSb, aSm, aSk, bOff, bSb, bSk, bSn, outOff, S, kChunk, sliceStride]: slice s of S
 * covers k in [s*kChunk, min(K, (s+1)*kChunk)) and stores at outOff + s*sliceStride.
 * Float16 split-K writes float32 slices (`io.output` f32), rounded once by the sum.
 */
export function directMatmulShader(c: DirectConfig, io: MatmulIO = F32_IO): string {
  const [wx, wy] = c.wg;
  // Out-of-range rows/columns load from a clamped (valid) address and are never stored, so
  // the K loop has no branches.
  const rows: string[] = [];
  for (let i = 0; i < c.tm; i++) rows.push(`let aR${i} = aBase + min(m0 + ${i}u, M - 1u) * aSm;`);
  const cols: string[] = [];
  for (let j = 0; j < c.tn; j++) cols.push(`let bC${j} = bBase + min(n0 + ${j}u, N - 1u) * bSn;`);
  const blk = registerBlock(
    c,
    (i) => loadF32(io.input, `A[aR${i} + ak]`),
    (j) => loadF32(io.input, `Bm[bC${j} + bk]`),
  );
  return `${enableF16(io.input, io.output)}@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> O: array<${io.output}>;
@group(0) @binding(2) var<storage, read> A: array<${io.input}>;
@group(0) @binding(3) var<storage, read> Bm: array<${io.input}>;
@compute @workgroup_size(${wx}, ${wy})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = P[1]; let N = P[2]; let K = P[3]; let S = P[14];
  let batch = wid.z / S + P[4]; let s = wid.z % S;
  let aSm = P[7]; let aSk = P[8]; let bSk = P[11]; let bSn = P[12];
  let aBase = P[5] + batch * P[6]; let bBase = P[9] + batch * P[10];
  let m0 = (wid.y * ${wy}u + lid.y) * ${c.tm}u;
  let n0 = (wid.x * ${wx}u + lid.x) * ${c.tn}u;
  let k0 = s * P[15]; let k1 = min(K, k0 + P[15]);
  ${rows.join(' ')}
  ${cols.join(' ')}
  ${blk.decl}
  var ak = k0 * aSk; var bk = k0 * bSk;
  for (var k = k0; k < k1; k++) {
    ${blk.body}
    ak += aSk; bk += bSk;
  }
  let oBase = P[13] + s * P[16] + batch * M * N;
  ${blk.store((i, j, v) => `if (m0 + ${i}u < M && n0 + ${j}u < N) { O[oBase + (m0 + ${i}u) * N + n0 + ${j}u] = ${storeAs(io.output, v)}; }`)}
}`;
}

/**
 * out[outOff + i] = sum over s < S of part[s * n + i], in slice order (float32 slices; `out`
 * the output's storage type). Params: [n, S, outOff].
 */
export function splitSumShader(out: Storage = 'f32'): string {
  return `${enableF16(out)}@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> O: array<${out}>;
@group(0) @binding(2) var<storage, read> Part: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let n = P[0];
  let i = (wid.y * nwg.x + wid.x) * 64u + li;
  if (i >= n) { return; }
  var acc = 0.0;
  for (var s = 0u; s < P[1]; s++) { acc += Part[s * n + i]; }
  O[P[2] + i] = ${storeAs(out, 'acc')};
}`;
}

/** WGSL of the conv geometry names every conv kernel reads from params (see conv2dShader). */
export const CONV_GEOMETRY = `let C = P[1]; let H = P[2]; let W = P[3]; let KH = P[5]; let KW = P[6];
  let OH = P[7]; let OW = P[8]; let OHW = OH * OW; let sh = P[9]; let sw = P[10]; let dh = P[11]; let dw = P[12];
  let G = P[13]; let Cg = C / G; let Og = P[4] / G; let HW = H * W; let KK = KH * KW;
  let ph = i32(P[18]); let pw = i32(P[19]);`;

/**
 * Conv2d NCHW as a direct implicit GEMM with implicit zero padding: rows are output channels
 * of one group (z of the grid), columns flattened (image, oh, ow) positions. Each column's
 * input address is a per-position base (computed once) plus a per-tap offset; taps outside
 * the input read a clamped address and are zeroed. Params: [N, C, H, W, O, KH, KW, OH, OW,
 * sh, sw, dh, dw, groups, xOff, wOff, bOff, outOff, padTop, padLeft].
 */
export function directConvShader(c: DirectConfig, hasBias: boolean): string {
  const [wx, wy] = c.wg;
  const rows: string[] = [];
  for (let i = 0; i < c.tm; i++) rows.push(`let wR${i} = wBase + min(m0 + ${i}u, Og - 1u) * K;`);
  const cols: string[] = [];
  const rowOk: string[] = [];
  const colOk: string[] = [];
  for (let j = 0; j < c.tn; j++) {
    cols.push(
      `let p${j} = min(n0 + ${j}u, NP - 1u); let q${j} = p${j} % OHW; ` +
        `let xC${j} = i32(xBase + (p${j} / OHW) * C * HW); ` +
        `let ih${j} = i32((q${j} / OW) * sh) - ph; let iw${j} = i32((q${j} % OW) * sw) - pw;`,
    );
    rowOk.push(`let rh${j} = ih${j} + i32(kh * dh); let okh${j} = rh${j} >= 0 && rh${j} < i32(H);`);
    colOk.push(
      `let cw${j} = iw${j} + i32(kw * dw); let ok${j} = okh${j} && cw${j} >= 0 && cw${j} < i32(W); ` +
        `let xa${j} = u32(max(xC${j} + i32(ci * HW) + rh${j} * i32(W) + cw${j}, 0));`,
    );
  }
  const blk = registerBlock(
    c,
    (i) => `Wt[wR${i} + k]`,
    (j) => `select(0.0, X[xa${j}], ok${j})`,
  );
  return `@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<storage, read> X: array<f32>;
@group(0) @binding(3) var<storage, read> Wt: array<f32>;
${hasBias ? '@group(0) @binding(4) var<storage, read> Bias: array<f32>;' : ''}
@compute @workgroup_size(${wx}, ${wy})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  ${CONV_GEOMETRY}
  let K = Cg * KK; let NP = P[0] * OHW; let g = wid.z;
  let wBase = P[15] + g * Og * K; let xBase = P[14] + g * Cg * HW;
  let m0 = (wid.y * ${wy}u + lid.y) * ${c.tm}u;
  let n0 = (wid.x * ${wx}u + lid.x) * ${c.tn}u;
  ${rows.join(' ')}
  ${cols.join('\n  ')}
  ${blk.decl}
  var k = 0u;
  for (var ci = 0u; ci < Cg; ci++) {
    for (var kh = 0u; kh < KH; kh++) {
      ${rowOk.join(' ')}
      for (var kw = 0u; kw < KW; kw++) {
        ${colOk.join('\n        ')}
        ${blk.body}
        k++;
      }
    }
  }
  ${blk.store((i, j, v) => {
    const oc = `(g * Og + m0 + ${i}u)`;
    const bias = hasBias ? ` + Bias[P[16] + ${oc}]` : '';
    return `if (m0 + ${i}u < Og && n0 + ${j}u < NP) { let n = n0 + ${j}u; O[P[17] + ((n / OHW) * P[4] + ${oc}) * OHW + n % OHW] = ${v}${bias}; }`;
  })}
}`;
}
