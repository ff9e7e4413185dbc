import { ENTRY_BUILTINS, FLAT_WG, NAN_HELPERS, TWO_SUM, WG } from './common.js';
import { MATHLIB } from './mathlib.js';
import { wgReduceTree, wgSumTree } from './reduce.js';

/** Threads per row for row-wise fused kernels: fewer for short rows so little work idles. */
export function rowThreads(inner: number): number {
  return inner <= 64 ? 32 : inner <= 1024 ? 64 : 256;
}

/**
 * Row reducers of the fused kernels: a compensated sum (TWO_SUM, so cancelling rows such as a
 * layerNorm mean match a float64 sum rounded once) and a NaN-propagating max, both through
 * shared-memory trees. Hardware subgroupAdd/subgroupMax are avoided on purpose: their order is
 * unspecified and their NaN behaviour undefined.
 */
function reducers(size: number): string {
  return `${TWO_SUM}
fn maxNan(a: f32, b: f32) -> f32 { if (isNan(a)) { return a; } if (isNan(b)) { return b; } return max(a, b); }
${wgSumTree(size)}
${wgReduceTree('f32', 'maxNan', size, 'wgMax')}`;
}

/**
 * Softmax / log-softmax over rows of a contiguous [outer, inner] block, one workgroup per row.
 * Params: [outer, inner, xOff, outOff, 0 (TWO_SUM's barrier)].
 */
export function softmaxShader(size: number, log: boolean): string {
  const write = log ? 'X0(k) - mx - lse' : 'expF(X0(k) - mx) * inv';
  return `${NAN_HELPERS}
${MATHLIB}
@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<storage, read> X: array<f32>;
${reducers(size)}
@compute @workgroup_size(${size})
fn main(${ENTRY_BUILTINS}) {
  ${FLAT_WG}
  opqZero = P[4];
  let row = wgid;
  let inner = P[1];
  let xb = P[2] + row * inner;
  let ob = P[3] + row * inner;
  var m = -infF();
  for (var k = li; k < inner; k += ${size}u) { m = maxNan(m, X[xb + k]); }
  let mx = wgMax(m, li);
  var s = vec2<f32>(0.0, 0.0);
  for (var k = li; k < inner; k += ${size}u) { s = twoSum(s, vec2<f32>(expF(X[xb + k] - mx), 0.0)); }
  let tot = wgSum(s, li);
  let inv = 1.0 / tot;
  let lse = logF(tot);
  for (var k = li; k < inner; k += ${size}u) { O[ob + k] = ${write.replaceAll('X0(k)', 'X[xb + k]')}; }
}`;
}

/**
 * LayerNorm rows: mean, biased variance (two passes over the row for accuracy),
 * out = (x - mean) * rstd * w + b. Params: [outer, inner, xOff, outOff, meanOff, rstdOff,
 * wOff, bOff, epsBits, 0 (TWO_SUM's barrier)].
 */
export function layerNormShader(size: number, hasW: boolean, hasB: boolean): string {
  let binding = 5;
  const decls: string[] = [];
  if (hasW) decls.push(`@group(0) @binding(${binding++}) var<storage, read> Wt: array<f32>;`);
  if (hasB) decls.push(`@group(0) @binding(${binding++}) var<storage, read> Bs: array<f32>;`);
  let y = '(X[xb + k] - mean) * rstd';
  if (hasW) y = `${y} * Wt[P[6] + k]`;
  if (hasB) y = `${y} + Bs[P[7] + k]`;
  return `${NAN_HELPERS}
@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<storage, read_write> Mean: array<f32>;
@group(0) @binding(3) var<storage, read_write> Rstd: array<f32>;
@group(0) @binding(4) var<storage, read> X: array<f32>;
${decls.join('\n')}
${reducers(size)}
@compute @workgroup_size(${size})
fn main(${ENTRY_BUILTINS}) {
  ${FLAT_WG}
  opqZero = P[9];
  let row = wgid;
  let inner = P[1];
  let xb = P[2] + row * inner;
  let ob = P[3] + row * inner;
  var s = vec2<f32>(0.0, 0.0);
  for (var k = li; k < inner; k += ${size}u) { s = twoSum(s, vec2<f32>(X[xb + k], 0.0)); }
  let mean = wgSum(s, li) / f32(inner);
  var q = vec2<f32>(0.0, 0.0);
  for (var k = li; k < inner; k += ${size}u) { let d = X[xb + k] - mean; q = twoSum(q, vec2<f32>(d * d, 0.0)); }
  let variance = wgSum(q, li) / f32(inner);
  let rstd = inverseSqrt(variance + bitcast<f32>(P[8]));
  if (li == 0u) { Mean[P[4] + row] = mean; Rstd[P[5] + row] = rstd; }
  for (var k = li; k < inner; k += ${size}u) { O[ob + k] = ${y}; }
}`;
}

const LSTM_BODY = `
  let g0 = b * 4u * H + j;
  let i = sigmoidF(GX[P[2] + g0] + GH[P[3] + g0]);
  let f = sigmoidF(GX[P[2] + g0 + H] + GH[P[3] + g0 + H]);
  let g = tanhF(GX[P[2] + g0 + 2u * H] + GH[P[3] + g0 + 2u * H]);
  let o = sigmoidF(GX[P[2] + g0 + 3u * H] + GH[P[3] + g0 + 3u * H]);
  let c1 = f * S[P[4] + e] + i * g;
  A[P[6] + g0] = i;
  A[P[6] + g0 + H] = f;
  A[P[6] + g0 + 2u * H] = g;
  A[P[6] + g0 + 3u * H] = o;
  O[P[5] + P[0] + e] = c1;
  O[P[5] + e] = o * tanhF(c1);`;

const GRU_BODY = `
  let g0 = b * 3u * H + j;
  let r = sigmoidF(GX[P[2] + g0] + GH[P[3] + g0]);
  let z = sigmoidF(GX[P[2] + g0 + H] + GH[P[3] + g0 + H]);
  let nn = tanhF(GX[P[2] + g0 + 2u * H] + r * GH[P[3] + g0 + 2u * H]);
  A[P[6] + g0] = r;
  A[P[6] + g0 + H] = z;
  A[P[6] + g0 + 2u * H] = nn;
  O[P[5] + e] = nn + z * (S[P[4] + e] - nn);`;

/**
 * One thread per (row, hidden unit) of an LSTM or GRU step; every operand contiguous. Core
 * runs the gate arithmetic as an expression where the backend has one, so this runs only where
 * that path is hidden. Kept because alone it still wins where the step is large (SwiftShader,
 * best of 15: LSTM B64 H512 26.5 ms vs 29.8 ms as an expression, GRU 20.6 vs 23.9 ms; equal at
 * B16 H128): one index per thread instead of fifteen strided views. Not measured on a real GPU. S is the
 * previous c (LSTM: out is [2][B][H] = h', c') or h (GRU: out is [B][H]); A the activated gates.
 * Params: [batch * hidden, hidden, gxOff, ghOff, sOff, outOff, actOff].
 */
export function rnnCellShader(mode: 'lstm' | 'gru'): string {
  return `${NAN_HELPERS}
${MATHLIB}
@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<storage, read_write> A: array<f32>;
@group(0) @binding(3) var<storage, read> GX: array<f32>;
@group(0) @binding(4) var<storage, read> GH: array<f32>;
@group(0) @binding(5) var<storage, read> S: array<f32>;
@compute @workgroup_size(${WG})
fn main(${ENTRY_BUILTINS}) {
  ${FLAT_WG}
  let e = wgid * ${WG}u + li;
  if (e >= P[0]) { return; }
  let H = P[1];
  let b = e / H;
  let j = e - b * H;${mode === 'lstm' ? LSTM_BODY : GRU_BODY}
}`;
}
