import type { DType } from '@layers/core';
import { ENTRY_BUILTINS, FLAT_WG, fromWord, WG } from './common.js';

/**
 * gather and scatterAdd. Params: [n, shape(r), then per view: offset, strides(r)].
 * For gather the views are (out, index, x) over out's shape; for scatterAdd (index, src, out)
 * over index's shape. The coordinate along `dim` is replaced by the index value for x / out.
 */

function coords(rank: number): string {
  const lines = ['var rem = i;'];
  for (let d = rank - 1; d >= 0; d--) lines.push(`let c${d} = rem % P[${1 + d}]; rem = rem / P[${1 + d}];`);
  return lines.join('\n  ');
}

function viewIndex(rank: number, view: number, dim: number, dimExpr: string | null): string {
  const base = 1 + rank + view * (rank + 1);
  const terms = [`P[${base}]`];
  for (let d = 0; d < rank; d++) {
    const c = dimExpr !== null && d === dim ? dimExpr : `c${d}`;
    terms.push(`${c} * P[${base + 1 + d}]`);
  }
  return terms.join(' + ');
}

export function gatherParams(
  shape: readonly number[],
  views: readonly { offset: number; strides: readonly number[] }[],
): number[] {
  const out = [shape.reduce((a, b) => a * b, 1), ...shape];
  for (const v of views) out.push(v.offset, ...v.strides);
  return out;
}

export function gatherShader(rank: number, dim: number): string {
  return `@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> O: array<u32>;
@group(0) @binding(2) var<storage, read> Idx: array<i32>;
@group(0) @binding(3) var<storage, read> X: array<u32>;
@compute @workgroup_size(${WG})
fn main(${ENTRY_BUILTINS}) {
  ${FLAT_WG}
  let i = wgid * ${WG}u + li;
  if (i >= P[0]) { return; }
  ${coords(rank)}
  let j = u32(Idx[${viewIndex(rank, 1, dim, null)}]);
  O[${viewIndex(rank, 0, dim, null)}] = X[${viewIndex(rank, 2, dim, 'j')}];
}`;
}

export function scatterAddShader(rank: number, dim: number, dtype: DType): string {
  // Repeated indices race, so accumulate atomically. WGSL has no float atomics: add through a
  // compare-exchange loop on the bit pattern. int32 wraps the same in u32 arithmetic.
  const add =
    dtype === 'float32'
      ? `var old = atomicLoad(&O[t]);
  loop {
    let nv = bitcast<u32>(bitcast<f32>(old) + ${fromWord('float32', 'S[si]')});
    let r = atomicCompareExchangeWeak(&O[t], old, nv);
    if (r.exchanged) { break; }
    old = r.old_value;
  }`
      : 'atomicAdd(&O[t], S[si]);';
  return `@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> O: array<atomic<u32>>;
@group(0) @binding(2) var<storage, read> Idx: array<i32>;
@group(0) @binding(3) var<storage, read> S: array<u32>;
@compute @workgroup_size(${WG})
fn main(${ENTRY_BUILTINS}) {
  ${FLAT_WG}
  let i = wgid * ${WG}u + li;
  if (i >= P[0]) { return; }
  ${coords(rank)}
  let j = u32(Idx[${viewIndex(rank, 0, dim, null)}]);
  let si = ${viewIndex(rank, 1, dim, null)};
  let t = ${viewIndex(rank, 2, dim, 'j')};
  ${add}
}`;
}
