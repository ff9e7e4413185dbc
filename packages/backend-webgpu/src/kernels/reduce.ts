import type { DType, ReduceOp } from '@layers/core';
import { ENTRY_BUILTINS, FLAT_WG, fromWord, NAN_HELPERS, TWO_SUM, toWord, wgslType } from './common.js';
import { enableF16, type Storage } from './half.js';

/**
 * Row reductions of a contiguous [outer, inner] block. Params: [outer, inner, xOffset, outOffset,
 * 0] (the zero feeds TWO_SUM's optimizer barrier).
 * Two strategies: one thread per row when rows are short, one workgroup per row with a
 * shared-memory tree otherwise. The tree combines (value, index) pairs for arg ops so that
 * ties keep the lowest index (first occurrence) and the first NaN wins.
 */

export const REDUCE_WG = 256;

interface Combine {
  type: string;
  identity: string;
  /** WGSL body of `fn comb(a: T, b: T) -> T` (value ops) */
  combine: string;
}

function valueCombine(op: Exclude<ReduceOp, 'argmax' | 'argmin'>, dtype: DType): Combine {
  const t = wgslType(dtype);
  if (dtype === 'bool') {
    // bool sum/max is "any", prod/min is "all".
    const any = op === 'sum' || op === 'max';
    return { type: t, identity: any ? '0u' : '1u', combine: any ? 'return a | b;' : 'return a & b;' };
  }
  const f = dtype === 'float32';
  switch (op) {
    case 'sum':
      return { type: t, identity: f ? '0.0' : '0', combine: 'return a + b;' };
    case 'prod':
      return { type: t, identity: f ? '1.0' : '1', combine: 'return a * b;' };
    case 'max':
      return f
        ? {
            type: t,
            identity: '-infF()',
            combine: 'if (isNan(a)) { return a; } if (isNan(b)) { return b; } return max(a, b);',
          }
        : { type: t, identity: '-2147483647 - 1', combine: 'return max(a, b);' };
    case 'min':
      return f
        ? {
            type: t,
            identity: 'infF()',
            combine: 'if (isNan(a)) { return a; } if (isNan(b)) { return b; } return min(a, b);',
          }
        : { type: t, identity: '2147483647', combine: 'return min(a, b);' };
  }
}

/** `better(a, ia, b, ib)`: does candidate b replace a? Lower index wins ties. */
function argBetter(op: 'argmax' | 'argmin', dtype: DType): string {
  const cmp = op === 'argmax' ? '>' : '<';
  const nanPart =
    dtype === 'float32'
      ? `let na = isNan(a); let nb = isNan(b);
  if (na || nb) { return nb && (!na || ib < ia); }`
      : '';
  return `${nanPart}
  return (b ${cmp} a) || (b == a && ib < ia);`;
}

/**
 * Row reductions of `dtype` values. `xs`/`os` 'f16' bind the input / the (value) output as
 * array<f16> (shader-f16); `dtype` is then float32, the type computed in: loads widen, the
 * store rounds once.
 */
export function reduceShader(
  op: ReduceOp,
  dtype: DType,
  perRow: boolean,
  xs: Storage = 'f32',
  os: Storage = 'f32',
): string {
  const t = wgslType(dtype);
  const header = `${enableF16(xs, os)}${NAN_HELPERS}
@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> O: array<${os === 'f16' ? 'f16' : 'u32'}>;
@group(0) @binding(2) var<storage, read> X: array<${xs === 'f16' ? 'f16' : 'u32'}>;
fn ld(i: u32) -> ${t} { return ${xs === 'f16' ? 'f32(X[i])' : fromWord(dtype, 'X[i]')}; }`;
  const put = (v: string) => (os === 'f16' ? `f16(${v})` : toWord(dtype, v));
  const isArg = op === 'argmax' || op === 'argmin';
  if (isArg) {
    const better = `fn better(a: ${t}, ia: u32, b: ${t}, ib: u32) -> bool {
  ${argBetter(op, dtype)}
}`;
    if (perRow) {
      return `${header}
${better}
@compute @workgroup_size(64)
fn main(${ENTRY_BUILTINS}) {
  ${FLAT_WG}
  let row = wgid * 64u + li;
  let outer = P[0]; let inner = P[1];
  if (row >= outer) { return; }
  let base = P[2] + row * inner;
  var bv = ld(base); var bi = 0u;
  for (var k = 1u; k < inner; k++) {
    let v = ld(base + k);
    if (better(bv, bi, v, k)) { bv = v; bi = k; }
  }
  O[P[3] + row] = bitcast<u32>(i32(bi));
}`;
    }
    return `${header}
${better}
var<workgroup> sv: array<${t}, ${REDUCE_WG}>;
var<workgroup> si: array<u32, ${REDUCE_WG}>;
@compute @workgroup_size(${REDUCE_WG})
fn main(${ENTRY_BUILTINS}) {
  ${FLAT_WG}
  let row = wgid;
  let inner = P[1];
  let base = P[2] + row * inner;
  var bv = ld(base); var bi = 0u;
  for (var k = li; k < inner; k += ${REDUCE_WG}u) {
    let v = ld(base + k);
    if (better(bv, bi, v, k)) { bv = v; bi = k; }
  }
  sv[li] = bv; si[li] = bi;
  workgroupBarrier();
  for (var s = ${REDUCE_WG / 2}u; s > 0u; s = s >> 1u) {
    if (li < s && better(sv[li], si[li], sv[li + s], si[li + s])) {
      sv[li] = sv[li + s]; si[li] = si[li + s];
    }
    workgroupBarrier();
  }
  if (li == 0u) { O[P[3] + row] = bitcast<u32>(i32(si[0])); }
}`;
  }
  if (op === 'sum' && dtype === 'float32') return compensatedSumShader(header, perRow, put);
  const c = valueCombine(op, dtype);
  const comb = `fn comb(a: ${t}, b: ${t}) -> ${t} { ${c.combine} }`;
  if (perRow) {
    return `${header}
${comb}
@compute @workgroup_size(64)
fn main(${ENTRY_BUILTINS}) {
  ${FLAT_WG}
  let row = wgid * 64u + li;
  let outer = P[0]; let inner = P[1];
  if (row >= outer) { return; }
  let base = P[2] + row * inner;
  var acc: ${t} = ${c.identity};
  for (var k = 0u; k < inner; k++) { acc = comb(acc, ld(base + k)); }
  O[P[3] + row] = ${put('acc')};
}`;
  }
  return `${header}
${comb}
${wgReduceTree(t, 'comb', REDUCE_WG)}
@compute @workgroup_size(${REDUCE_WG})
fn main(${ENTRY_BUILTINS}) {
  ${FLAT_WG}
  let row = wgid;
  let inner = P[1];
  let base = P[2] + row * inner;
  var acc: ${t} = ${c.identity};
  for (var k = li; k < inner; k += ${REDUCE_WG}u) { acc = comb(acc, ld(base + k)); }
  let r = wgReduce(acc, li);
  if (li == 0u) { O[P[3] + row] = ${put('r')}; }
}`;
}

/** Shared-memory tree reduction `wgReduce(v, li)` over a workgroup of `size` threads. */
export function wgReduceTree(t: string, comb: string, size: number, name = 'wgReduce'): string {
  return `var<workgroup> red_${name}: array<${t}, ${size}>;
fn ${name}(v: ${t}, li: u32) -> ${t} {
  red_${name}[li] = v;
  workgroupBarrier();
  for (var s = ${size / 2}u; s > 0u; s = s >> 1u) {
    if (li < s) { red_${name}[li] = ${comb}(red_${name}[li], red_${name}[li + s]); }
    workgroupBarrier();
  }
  let r = red_${name}[0];
  workgroupBarrier();
  return r;
}`;
}

/**
 * float32 sum with a compensation term (Kahan per thread, TwoSum when combining partials), so
 * the result is as accurate as a float64 accumulation rounded once: f32 sums of a few dozen
 * values of mixed sign otherwise miss PyTorch's results by several ULP.
 */
function compensatedSumShader(header: string, perRow: boolean, put: (v: string) => string): string {
  if (perRow) {
    return `${header}
${TWO_SUM}
@compute @workgroup_size(64)
fn main(${ENTRY_BUILTINS}) {
  ${FLAT_WG}
  opqZero = P[4];
  let row = wgid * 64u + li;
  let outer = P[0]; let inner = P[1];
  if (row >= outer) { return; }
  let base = P[2] + row * inner;
  var acc = vec2<f32>(0.0, 0.0);
  for (var k = 0u; k < inner; k++) { acc = twoSum(acc, vec2<f32>(ld(base + k), 0.0)); }
  O[P[3] + row] = ${put('sumOut(acc)')};
}`;
  }
  return `${header}
${TWO_SUM}
${wgSumTree(REDUCE_WG)}
@compute @workgroup_size(${REDUCE_WG})
fn main(${ENTRY_BUILTINS}) {
  ${FLAT_WG}
  opqZero = P[4];
  let row = wgid;
  let inner = P[1];
  let base = P[2] + row * inner;
  var acc = vec2<f32>(0.0, 0.0);
  for (var k = li; k < inner; k += ${REDUCE_WG}u) { acc = twoSum(acc, vec2<f32>(ld(base + k), 0.0)); }
  let r = wgSum(acc, li);
  if (li == 0u) { O[P[3] + row] = ${put('r')}; }
}`;
}

/**
 * Compensated workgroup sum `wgSum(v, li)` of (hi, lo) pairs through a shared-memory tree;
 * needs TWO_SUM. Every thread gets the finished float32 sum.
 */
export function wgSumTree(size: number): string {
  return `var<workgroup> red_wgSum: array<vec2<f32>, ${size}>;
fn wgSum(v: vec2<f32>, li: u32) -> f32 {
  red_wgSum[li] = v;
  workgroupBarrier();
  for (var s = ${size / 2}u; s > 0u; s = s >> 1u) {
    if (li < s) { red_wgSum[li] = twoSum(red_wgSum[li], red_wgSum[li + s]); }
    workgroupBarrier();
  }
  let r = sumOut(red_wgSum[0]);
  workgroupBarrier();
  return r;
}`;
}
