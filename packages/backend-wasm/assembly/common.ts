// Shared helpers for every kernel. Pointers are byte addresses in the shared linear memory;
// element offsets and counts are i32 (a tensor holds fewer than 2^31 elements).

export const DT_F32: i32 = 0;
export const DT_I32: i32 = 1;
export const DT_BOOL: i32 = 2;

// Globals are per instance, so each worker thread has its own copy of these.
export let threadId: i32 = 0;
/** This thread's private scratch region (packing buffers, edge tiles). */
export let scratch: usize = 0;

export function setThread(id: i32, base: usize, perThread: usize): void {
  threadId = id;
  scratch = base + <usize>id * perThread;
}

/** Address of the first byte after static data: the JS allocator starts above it. */
export function heapBase(): usize {
  return __heap_base;
}

// Row offsets (in elements) of up to four operands, written by rowOffsets().
export let off0: i32 = 0;
export let off1: i32 = 0;
export let off2: i32 = 0;
export let off3: i32 = 0;

/*
 * A strided iteration descriptor written by JS into linear memory:
 *   i32 rank, i32 shape[rank], then for operands 0..3: i32 strides[rank]
 * Operand 0 is the output. The last dim is the "row" that inner loops walk.
 */
// @ts-ignore: decorator
@inline export function descRank(desc: usize): i32 {
  return load<i32>(desc);
}
// @ts-ignore: decorator
@inline export function descShape(desc: usize, d: i32): i32 {
  return load<i32>(desc + 4 + (<usize>d << 2));
}
// @ts-ignore: decorator
@inline export function descStride(desc: usize, op: i32, d: i32): i32 {
  const r = load<i32>(desc);
  return load<i32>(desc + 4 + (<usize>(r * (op + 1) + d) << 2));
}

/** Element offsets of every operand at (row `row` of the outer dims, column `j`). */
export function rowOffsets(desc: usize, row: i32, j: i32): void {
  const r = load<i32>(desc);
  const shp = desc + 4;
  const st0 = shp + (<usize>r << 2);
  const st1 = st0 + (<usize>r << 2);
  const st2 = st1 + (<usize>r << 2);
  const st3 = st2 + (<usize>r << 2);
  const last = <usize>(r - 1) << 2;
  let o0 = j * load<i32>(st0 + last);
  let o1 = j * load<i32>(st1 + last);
  let o2 = j * load<i32>(st2 + last);
  let o3 = j * load<i32>(st3 + last);
  for (let d = r - 2; d >= 0; d--) {
    const b = <usize>d << 2;
    const size = load<i32>(shp + b);
    const i = row % size;
    row = row / size;
    o0 += i * load<i32>(st0 + b);
    o1 += i * load<i32>(st1 + b);
    o2 += i * load<i32>(st2 + b);
    o3 += i * load<i32>(st3 + b);
  }
  off0 = o0;
  off1 = o1;
  off2 = o2;
  off3 = o3;
}

/**
 * Start a run of the element range at flat index idx (< hi) over rows of n elements: sets the
 * operands' offsets (off0..) for its first element and returns how many elements the run has
 * (to the end of the row or to hi).
 */
// @ts-ignore: decorator
@inline export function beginRun(desc: usize, n: i32, idx: i32, hi: i32): i32 {
  const row = idx / n;
  const j = idx - row * n;
  rowOffsets(desc, row, j);
  return min(n - j, hi - idx);
}

// @ts-ignore: decorator
@inline export function ldF(p: usize, i: i32, dt: i32): f64 {
  if (dt == DT_F32) return <f64>load<f32>(p + (<usize>i << 2));
  if (dt == DT_I32) return <f64>load<i32>(p + (<usize>i << 2));
  return <f64>load<u8>(p + <usize>i);
}

// @ts-ignore: decorator
@inline export function ldI(p: usize, i: i32, dt: i32): i32 {
  if (dt == DT_I32) return load<i32>(p + (<usize>i << 2));
  if (dt == DT_BOOL) return <i32>load<u8>(p + <usize>i);
  return <i32>load<f32>(p + (<usize>i << 2));
}

/** Store with the contract's conversions: float→int truncates (saturating), →bool is != 0. */
// @ts-ignore: decorator
@inline export function stF(p: usize, i: i32, dt: i32, v: f64): void {
  if (dt == DT_F32) store<f32>(p + (<usize>i << 2), <f32>v);
  else if (dt == DT_I32) store<i32>(p + (<usize>i << 2), <i32>v);
  else store<u8>(p + <usize>i, v != 0 ? 1 : 0);
}

// @ts-ignore: decorator
@inline export function stI(p: usize, i: i32, dt: i32, v: i32): void {
  if (dt == DT_I32) store<i32>(p + (<usize>i << 2), v);
  else if (dt == DT_F32) store<f32>(p + (<usize>i << 2), <f32>v);
  else store<u8>(p + <usize>i, v != 0 ? 1 : 0);
}

/**
 * Store the transpose of the 4x4 block of 32-bit lanes whose rows are v0..v3: its row r
 * (lane r of each v) at q + r * stride bytes. Shared by the packers and the transpose kernel.
 */
// @ts-ignore: decorator
@inline export function storeTransposed4(v0: v128, v1: v128, v2: v128, v3: v128, q: usize, stride: usize): void {
  const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(v2, v3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
  v128.store(q, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(q + stride, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
  v128.store(q + 2 * stride, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
  v128.store(q + 3 * stride, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
}
