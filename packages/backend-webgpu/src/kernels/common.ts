import type { DType } from '@layers/core';

/** Threads per workgroup of the 1-D elementwise kernels. */
export const WG = 256;

/** Grid for `groups` workgroups: split into 2-D when over the per-dimension limit. */
export function grid(groups: number, maxDim: number): [number, number, number] {
  if (groups <= maxDim) return [groups, 1, 1];
  const y = Math.ceil(groups / maxDim);
  if (y > maxDim) throw new Error('@layers/backend-webgpu: tensor too large for one dispatch');
  return [Math.ceil(groups / y), y, 1];
}

/** WGSL that computes `gid` (flat workgroup index) in a possibly 2-D grid. */
export const FLAT_WG = 'let wgid = wid.y * nwg.x + wid.x;';
export const ENTRY_BUILTINS =
  '@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, ' +
  '@builtin(local_invocation_index) li: u32';

/** Bit-level predicates so that NaN handling does not depend on the compiler's float model. */
export const NAN_HELPERS = `
fn isNan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
// \`var\` keeps these out of constant evaluation, which rejects non-finite values.
fn nanF() -> f32 { var b = 0x7fc00000u; return bitcast<f32>(b); }
fn infF() -> f32 { var b = 0x7f800000u; return bitcast<f32>(b); }
fn isFiniteF(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }
// x < 0 and not NaN, by bits: drivers may assume no NaN and turn compare+select into max/min
// (NVIDIA returned relu(NaN) = 0). -0 is not negative here, as with IEEE x < 0.
fn isNegF(x: f32) -> bool { let b = bitcast<u32>(x); return b > 0x80000000u && b <= 0xff800000u; }
`;

/**
 * Compensated (TwoSum) float32 addition that survives the optimizer. WGSL lets compilers
 * reassociate float math, and NVIDIA's does: it folds TwoSum's error term `(a - (s - (s - a)))`
 * to 0. `opq` XORs the bits with a word that is 0 at run time but unknown to the compiler, so
 * no algebraic identity can be seen through it. Kernels must set `opqZero` from a params word
 * holding 0 before summing. (hi, lo) pairs are vec2; `sumOut` keeps inf/NaN of the plain sum
 * (the error term of a non-finite sum is NaN).
 */
export const TWO_SUM = `
var<private> opqZero: u32;
fn opq(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) ^ opqZero); }
fn twoSum(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let s = opq(a.x + b.x);
  let bp = opq(s - a.x);
  let ap = opq(s - bp);
  // Each exact error part is hidden too, so (a - ap) + (b - bp) cannot be regrouped with s.
  let err = opq(a.x - ap) + opq(b.x - bp);
  return vec2<f32>(s, (a.y + b.y) + err);
}
fn sumOut(a: vec2<f32>) -> f32 { return select(a.x, a.x + a.y, isFiniteF(a.x)); }
`;

/** Load/store expressions from a u32 word to the WGSL value type of each dtype. */
export function wgslType(dtype: DType): 'f32' | 'i32' | 'u32' {
  return dtype === 'float32' ? 'f32' : dtype === 'int32' ? 'i32' : 'u32';
}
export function fromWord(dtype: DType, expr: string): string {
  const t = wgslType(dtype);
  return t === 'u32' ? expr : `bitcast<${t}>(${expr})`;
}
export function toWord(dtype: DType, expr: string): string {
  const t = wgslType(dtype);
  return t === 'u32' ? expr : `bitcast<u32>(${expr})`;
}

export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expect = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expect) return false;
    expect *= shape[d];
  }
  return true;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/**
 * Jointly simplify the index space of several same-shape views: drop size-1 dims and merge
 * neighbours that are contiguous with each other in every view. Fewer dims, fewer divisions.
 */
export function collapse(
  shape: readonly number[],
  stridesList: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = stridesList.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && stridesList.every((s, v) => outStrides[v][last] === s[d] * shape[d])) {
      outShape[last] *= shape[d];
      stridesList.forEach((s, v) => {
        outStrides[v][last] = s[d];
      });
      continue;
    }
    outShape.push(shape[d]);
    stridesList.forEach((s, v) => {
      outStrides[v].push(s[d]);
    });
  }
  if (outShape.length === 0) {
    outShape.push(1);
    for (const s of outStrides) s.push(1);
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Strided N-d indexing for an elementwise kernel over `n` elements of `shape`, for several
 * views. Params layout: [n, shape..., then per view: offset, strides...]. Rank and which views
 * are contiguous are baked into the shader; sizes and strides come from params at runtime.
 */
export class IndexPlan {
  readonly rank: number;
  readonly contiguous: boolean[];
  readonly params: number[];
  readonly n: number;
  private viewBase: number[] = [];

  constructor(shape: readonly number[], views: readonly { strides: readonly number[]; offset: number }[]) {
    const c = collapse(
      shape,
      views.map((v) => v.strides),
    );
    this.rank = c.shape.length;
    this.n = numel(shape);
    this.contiguous = c.strides.map((s) => isContiguous(c.shape, s));
    this.params = [this.n, ...c.shape];
    views.forEach((v, i) => {
      this.viewBase.push(this.params.length);
      this.params.push(v.offset, ...c.strides[i]);
    });
  }

  /** Cache-key part: rank and contiguity pattern. */
  get key(): string {
    return `${this.rank}:${this.contiguous.map((c) => (c ? 'c' : 's')).join('')}`;
  }

  /** WGSL statements defining `idx0, idx1, ...` (element index of each view) from `i`. */
  indexCode(): string {
    const lines: string[] = [];
    const needCoords = this.contiguous.some((c) => !c);
    if (needCoords) {
      lines.push('var rem = i;');
      for (let d = this.rank - 1; d >= 0; d--) {
        lines.push(`let c${d} = rem % P[${1 + d}]; rem = rem / P[${1 + d}];`);
      }
    }
    this.contiguous.forEach((contig, v) => {
      const base = this.viewBase[v];
      if (contig) {
        lines.push(`let idx${v} = P[${base}] + i;`);
      } else {
        const terms = [];
        for (let d = 0; d < this.rank; d++) terms.push(`c${d} * P[${base + 1 + d}]`);
        lines.push(`let idx${v} = P[${base}] + ${terms.join(' + ')};`);
      }
    });
    return lines.join('\n    ');
  }
}

export function u32s(values: readonly number[]): Uint32Array {
  const a = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) a[i] = values[i] >>> 0;
  return a;
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);
/** The bit pattern of a float32, for passing floats through the u32 params buffer. */
export function f32Bits(x: number): number {
  f32Scratch[0] = x;
  return u32Scratch[0];
}
