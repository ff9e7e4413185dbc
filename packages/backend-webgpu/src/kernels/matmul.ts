/**
 * Tiled GEMM in WGSL: a 16x16 workgroup computes a 64x64 output tile, 4x4 outputs per
 * thread, staging 64x16 slices of A and 16x64 slices of B in workgroup memory (8 KiB).
 * The generator takes loader/store snippets so matmul (strided batched views) and conv2d
 * (implicit GEMM: B is the im2col matrix, computed on the fly) share the same core.
 */

export const TILE = 64;
const TK = 16;

export interface GemmParts {
  /** Extra declarations (bindings beyond P and O, helper functions). */
  decls: string;
  /** Statements run once per thread before the K loop (derive M, N, K, batch...). */
  prologue: string;
  /** Expression for A[m][k] given in-range `m`, `k` (u32). */
  loadA: string;
  /** Expression for B[k][n] given in-range `k`, `n` (u32). */
  loadB: string;
  /** Statement storing `v` at output (m, n). */
  store: string;
}

export function gemmShader(p: GemmParts): string {
  return `@group(0) @binding(0) var<storage, read> P: array<u32>;
${p.decls}
var<workgroup> As: array<f32, ${TK * TILE}>;
var<workgroup> Bs: array<f32, ${TK * TILE}>;
fn loadA(m: u32, k: u32, bz: u32) -> f32 { let b = bz; return ${p.loadA}; }
fn loadB(k: u32, n: u32, bz: u32) -> f32 { let b = bz; return ${p.loadB}; }
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  ${p.prologue}
  let m0 = wid.y * ${TILE}u;
  let n0 = wid.x * ${TILE}u;
  var acc: array<vec4<f32>, 4>;
  for (var i = 0u; i < 4u; i++) { acc[i] = vec4<f32>(0.0); }
  for (var k0 = 0u; k0 < K; k0 += ${TK}u) {
    for (var t = 0u; t < 4u; t++) {
      let e = li + t * 256u;
      let am = e / ${TK}u; let ak = e % ${TK}u;
      var av = 0.0;
      if (m0 + am < M && k0 + ak < K) { av = loadA(m0 + am, k0 + ak, batch); }
      As[ak * ${TILE}u + am] = av;
      let bk = e / ${TILE}u; let bn = e % ${TILE}u;
      var bv = 0.0;
      if (k0 + bk < K && n0 + bn < N) { bv = loadB(k0 + bk, n0 + bn, batch); }
      Bs[bk * ${TILE}u + bn] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${TK}u; kk++) {
      let ab = kk * ${TILE}u + lid.y * 4u;
      let bb = kk * ${TILE}u + lid.x * 4u;
      let bvec = vec4<f32>(Bs[bb], Bs[bb + 1u], Bs[bb + 2u], Bs[bb + 3u]);
      acc[0] += As[ab] * bvec;
      acc[1] += As[ab + 1u] * bvec;
      acc[2] += As[ab + 2u] * bvec;
      acc[3] += As[ab + 3u] * bvec;
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + lid.y * 4u + i;
    if (m >= M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + lid.x * 4u + j;
      if (n < N) { let v = acc[i][j]; ${p.store} }
    }
  }
}`;
}

/**
 * Batched matmul over strided views. Params: [B, M, N, K, batchBase,
 * aOff, aSb, aSm, aSk, bOff, bSb, bSk, bSn, outOff].
 */
export function matmulShader(): string {
  return gemmShader({
    decls: `@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<storage, read> A: array<f32>;
@group(0) @binding(3) var<storage, read> Bm: array<f32>;`,
    prologue: 'let M = P[1]; let N = P[2]; let K = P[3]; let batch = wid.z + P[4];',
    loadA: 'A[P[5] + b * P[6] + m * P[7] + k * P[8]]',
    loadB: 'Bm[P[9] + b * P[10] + k * P[11] + n * P[12]]',
    store: 'O[P[13] + (batch * M + m) * N + n] = v;',
  });
}

/** One thread per output; wins for skinny products where a 64x64 tile would mostly idle. */
export function matmulNaiveShader(): string {
  return `@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<storage, read> A: array<f32>;
@group(0) @binding(3) var<storage, read> Bm: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let M = P[1]; let N = P[2]; let K = P[3];
  let i = (wid.y * nwg.x + wid.x) * 64u + li;
  if (i >= P[0] * M * N) { return; }
  let b = i / (M * N); let r = i % (M * N); let m = r / N; let n = r % N;
  var ai = P[5] + b * P[6] + m * P[7];
  var bi = P[9] + b * P[10] + n * P[12];
  var acc = 0.0;
  for (var k = 0u; k < K; k++) {
    acc += A[ai] * Bm[bi];
    ai += P[8]; bi += P[11];
  }
  O[P[13] + i] = acc;
}`;
}

/**
 * Conv2d NCHW as implicit GEMM, one dispatch z-slice per group:
 * out[n, g*Og + m, oh, ow] = sum_k W[g*Og + m, k] * im2col[k, (n, oh, ow)] + bias.
 * Params: [N, C, H, W, O, KH, KW, OH, OW, sh, sw, dh, dw, groups, xOff, wOff, bOff, outOff].
 */
export function conv2dShader(hasBias: boolean): string {
  return gemmShader({
    decls: `@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<storage, read> X: array<f32>;
@group(0) @binding(3) var<storage, read> Wt: array<f32>;
${hasBias ? '@group(0) @binding(4) var<storage, read> Bias: array<f32>;' : ''}
fn cp(i: u32) -> u32 { return P[i]; }`,
    prologue: `let Cg = P[1] / P[13]; let Og = P[4] / P[13];
  let KHW = P[5] * P[6]; let OHW = P[7] * P[8];
  let M = Og; let N = P[0] * OHW; let K = Cg * KHW; let batch = wid.z;`,
    loadA: 'Wt[cp(15) + (b * (cp(4) / cp(13)) + m) * ((cp(1) / cp(13)) * cp(5) * cp(6)) + k]',
    loadB: `im2col(k, n, b)`,
    store: `let ohw = P[7] * P[8]; let img = n / ohw; let pix = n % ohw;
      let oc = batch * Og + m;
      O[P[17] + (img * P[4] + oc) * ohw + pix] = v${hasBias ? ' + Bias[P[16] + oc]' : ''};`,
  }).replace(
    'fn loadA(',
    `fn im2col(k: u32, n: u32, g: u32) -> f32 {
  let khw = cp(5) * cp(6); let ohw = cp(7) * cp(8);
  let c = g * (cp(1) / cp(13)) + k / khw; let r = k % khw;
  let kh = r / cp(6); let kw = r % cp(6);
  let img = n / ohw; let pix = n % ohw;
  let oh = pix / cp(8); let ow = pix % cp(8);
  let ih = oh * cp(9) + kh * cp(11); let iw = ow * cp(10) + kw * cp(12);
  return X[cp(14) + ((img * cp(1) + c) * cp(2) + ih) * cp(3) + iw];
}
fn loadA(`,
  );
}
