// The expression kernel: a tile interpreter for the flat SSA programs of core's fused
// expressions. The program runs over tiles of up to TILE elements; every node is one pass
// over the tile (the SIMD row loops of elementwise.ts where the unary/binary kernels have
// them, the same scalar functions otherwise), with intermediates in this thread's scratch,
// so a fused program rounds like the chain of kernels it replaces while touching memory once
// per input and output instead of once per op. See src/expr.ts for the encoding and for why
// an interpreter and not generated WebAssembly.
import { DT_BOOL, DT_F32, ldF, ldI, scratch, stF, stI } from './common';
import { binRowVec, unaryRowVec } from './elementwise';
import { extremeF32 } from './reduce';
import { binaryF, binaryI, U_ISNAN, U_NOT, unaryF, unaryI } from './scalar';
import { cmpRowVec, whereRowVec } from './select';

const K_LOAD: i32 = 0;
const K_CONST: i32 = 1;
const K_UNARY: i32 = 2;
const K_BINARY: i32 = 3;
const K_WHERE: i32 = 4;
const K_CAST: i32 = 5;

// Program header words (see src/expr.ts).
const H_NODES: i32 = 0;
const H_INPUTS: i32 = 1;
const H_OUTPUTS: i32 = 2;
const H_RANK: i32 = 3;
const H_REDUCE: i32 = 4;
const H_TILE: i32 = 5;
const H_WORDS: i32 = 8;

/**
 * Bytes at the start of scratch for the tables: operand offsets (128 operands), reduction
 * accumulators (128 outputs, f64) and node data pointers (1,664 nodes); tiles follow.
 */
const TABLES: usize = 8192;
const OFFS: usize = 0;
const ACCS: usize = 512;
const PTRS: usize = 1536;

// @ts-ignore: decorator
@inline function word(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)); }

// @ts-ignore: decorator
@inline function esz(dt: i32): usize { return dt == DT_BOOL ? 1 : 4; }

/** Bytes of scratch the kernel needs besides the tiles (JS sizes tiles from the rest). */
export function exprTableBytes(): usize {
  return TABLES;
}

/** Strided copy of `n` elements with conversion (the copy kernel's rules). */
function move(x: usize, sx: i32, dtIn: i32, o: usize, so: i32, dtOut: i32, n: i32): void {
  if (dtIn == dtOut && sx == 1 && so == 1) {
    memory.copy(o, x, <usize>n * esz(dtIn));
  } else if (dtIn == dtOut && dtIn != DT_BOOL) {
    for (let k = 0; k < n; k++) store<u32>(o + (<usize>(k * so) << 2), load<u32>(x + (<usize>(k * sx) << 2)));
  } else if (dtIn == dtOut) {
    for (let k = 0; k < n; k++) store<u8>(o + <usize>(k * so), load<u8>(x + <usize>(k * sx)));
  } else if (dtIn == DT_F32) {
    for (let k = 0; k < n; k++) stF(o, k * so, dtOut, ldF(x, k * sx, dtIn));
  } else {
    for (let k = 0; k < n; k++) stI(o, k * so, dtOut, ldI(x, k * sx, dtIn));
  }
}

function unaryTile(op: i32, dtIn: i32, dtOut: i32, x: usize, o: usize, n: i32): void {
  if (dtIn == DT_F32 && dtOut == DT_F32 && unaryRowVec(op, x, o, n)) return;
  if (dtIn != DT_F32 && op != U_NOT && op != U_ISNAN) {
    for (let k = 0; k < n; k++) stI(o, k, dtOut, unaryI(op, ldI(x, k, dtIn)));
  } else {
    for (let k = 0; k < n; k++) stF(o, k, dtOut, unaryF(op, ldF(x, k, dtIn)));
  }
}

/**
 * `ua` / `ub`: the operand is a constant. The vector loops then read it as a broadcast scalar
 * (stride 0), as the binary kernel does for a broadcast operand, instead of a splatted tile.
 */
function binaryTile(op: i32, dtIn: i32, dtOut: i32, a: usize, ua: bool, b: usize, ub: bool, o: usize, n: i32): void {
  const sa = ua && !ub ? 0 : 1;
  const sb = ub && !ua ? 0 : 1;
  if (dtIn == DT_F32 && dtOut == DT_F32 && binRowVec(op, a, sa, b, sb, o, n)) return;
  if (dtIn == DT_F32 && dtOut == DT_BOOL && cmpRowVec(op, a, sa, b, sb, o, n)) return;
  if (dtIn != DT_F32) {
    for (let k = 0; k < n; k++) stI(o, k, dtOut, binaryI(op, ldI(a, k, dtIn), ldI(b, k, dtIn)));
  } else {
    for (let k = 0; k < n; k++) stF(o, k, dtOut, binaryF(op, ldF(a, k, dtIn), ldF(b, k, dtIn)));
  }
}

function whereTile(dt: i32, c: usize, a: usize, b: usize, o: usize, n: i32): void {
  if (dt != DT_BOOL) {
    whereRowVec(c, a, 1, b, 1, o, n);
  } else {
    for (let k = 0; k < n; k++) store<u8>(o + <usize>k, load<u8>(c + <usize>k) ? load<u8>(a + <usize>k) : load<u8>(b + <usize>k));
  }
}

/** Fill a tile with one element's bits. */
function splatTile(dt: i32, bits: i32, o: usize, n: i32): void {
  if (dt == DT_BOOL) {
    memory.fill(o, <u8>bits, <usize>n);
    return;
  }
  const v = i32x4.splat(bits);
  let k = 0;
  for (; k + 4 <= n; k += 4) v128.store(o + (<usize>k << 2), v);
  for (; k < n; k++) store<i32>(o + (<usize>k << 2), bits);
}

/**
 * Element offsets of every operand at flat index `idx` of the iteration shape (outer dims by
 * division, the last dim by `j`); returns j.
 */
function operandOffsets(prog: usize, ops: i32, idx: i32, offs: usize): i32 {
  const r = word(prog, H_RANK);
  const shp = prog + (<usize>H_WORDS << 2);
  const opw = 2 + r;
  const base = shp + (<usize>r << 2);
  const n = load<i32>(shp + (<usize>(r - 1) << 2));
  let row = idx / n;
  const j = idx - row * n;
  for (let k = 0; k < ops; k++) store<i32>(offs + (<usize>k << 2), j * word(base, k * opw + 2 + r - 1));
  for (let d = r - 2; d >= 0; d--) {
    const size = load<i32>(shp + (<usize>d << 2));
    const i = row % size;
    row = row / size;
    for (let k = 0; k < ops; k++) {
      const p = offs + (<usize>k << 2);
      store<i32>(p, load<i32>(p) + i * word(base, k * opw + 2 + d));
    }
  }
  return j;
}

/**
 * Evaluate every node over a tile of `len` elements whose operands start at the element
 * offsets in `offs`. Leaves each node's data pointer in `ptrs`. Constants were splatted into
 * their tiles once per call (`prime`).
 */
function evalTile(prog: usize, offs: usize, ptrs: usize, tiles: usize, tile: i32, len: i32, gathered: bool): void {
  const nNodes = word(prog, H_NODES);
  const nOut = word(prog, H_OUTPUTS);
  const r = word(prog, H_RANK);
  const opw = 2 + r;
  const opBase = prog + (<usize>(H_WORDS + r) << 2);
  const nodes = opBase + (<usize>((nOut + word(prog, H_INPUTS)) * opw) << 2);
  const tileBytes = <usize>tile << 2;
  for (let i = 0; i < nNodes; i++) {
    const nd = nodes + (<usize>(i * 5) << 2);
    const kind = load<i32>(nd);
    const dt = load<i32>(nd, 4);
    const a = load<i32>(nd, 8);
    const b = load<i32>(nd, 12);
    const c = load<i32>(nd, 16);
    const slot = tiles + <usize>i * tileBytes;
    let dst = slot;
    if (kind == K_LOAD && gathered) {
      // gatherLoads already filled the slot.
    } else if (kind == K_LOAD) {
      // a = operand index (outputs first); b = 1: must be copied (an output reads it).
      const opd = opBase + (<usize>(a * opw) << 2);
      const ptr = <usize>load<i32>(opd);
      const s = load<i32>(opd + (<usize>(2 + r - 1) << 2));
      const at = ptr + <usize>load<i32>(offs + (<usize>a << 2)) * esz(dt);
      if (s == 1 && b == 0) dst = at;
      else move(at, s, dt, slot, 1, dt, len);
    } else if (kind == K_UNARY) {
      // a = op, b = operand node.
      unaryTile(a, load<i32>(nodes + (<usize>(b * 5) << 2), 4), dt, <usize>load<i32>(ptrs + (<usize>b << 2)), slot, len);
    } else if (kind == K_BINARY) {
      // a = op, b and c = operand nodes.
      const pa = <usize>load<i32>(ptrs + (<usize>b << 2));
      const pb = <usize>load<i32>(ptrs + (<usize>c << 2));
      const ua = load<i32>(nodes + (<usize>(b * 5) << 2)) == K_CONST;
      const ub = load<i32>(nodes + (<usize>(c * 5) << 2)) == K_CONST;
      binaryTile(a, load<i32>(nodes + (<usize>(b * 5) << 2), 4), dt, pa, ua, pb, ub, slot, len);
    } else if (kind == K_WHERE) {
      const pc = <usize>load<i32>(ptrs + (<usize>a << 2));
      whereTile(dt, pc, <usize>load<i32>(ptrs + (<usize>b << 2)), <usize>load<i32>(ptrs + (<usize>c << 2)), slot, len);
    } else if (kind == K_CAST) {
      move(<usize>load<i32>(ptrs + (<usize>a << 2)), 1, load<i32>(nodes + (<usize>(a * 5) << 2), 4), slot, 1, dt, len);
    }
    // K_CONST: the slot already holds the splat.
    store<i32>(ptrs + (<usize>i << 2), <i32>dst);
  }
}

/** Splat every constant into its tile (once per call: tiles do not change them). */
function prime(prog: usize, tiles: usize, tile: i32): usize {
  const nNodes = word(prog, H_NODES);
  const r = word(prog, H_RANK);
  const opw = 2 + r;
  const nodes = prog + (<usize>(H_WORDS + r + (word(prog, H_OUTPUTS) + word(prog, H_INPUTS)) * opw) << 2);
  for (let i = 0; i < nNodes; i++) {
    const nd = nodes + (<usize>(i * 5) << 2);
    if (load<i32>(nd) == K_CONST) splatTile(load<i32>(nd, 4), load<i32>(nd, 8), tiles + <usize>i * (<usize>tile << 2), tile);
  }
  return nodes + (<usize>(nNodes * 5) << 2);
}

/** Copy segment [pos, pos + seg) of every load's operand into its slot (multi-row tiles). */
function gatherLoads(prog: usize, offs: usize, tiles: usize, tile: i32, pos: i32, seg: i32): void {
  const nNodes = word(prog, H_NODES);
  const r = word(prog, H_RANK);
  const opw = 2 + r;
  const opBase = prog + (<usize>(H_WORDS + r) << 2);
  const nodes = opBase + (<usize>((word(prog, H_OUTPUTS) + word(prog, H_INPUTS)) * opw) << 2);
  for (let i = 0; i < nNodes; i++) {
    const nd = nodes + (<usize>(i * 5) << 2);
    if (load<i32>(nd) != K_LOAD) continue;
    const dt = load<i32>(nd, 4);
    const a = load<i32>(nd, 8);
    const opd = opBase + (<usize>(a * opw) << 2);
    const s = load<i32>(opd + (<usize>(2 + r - 1) << 2));
    const at = <usize>load<i32>(opd) + <usize>load<i32>(offs + (<usize>a << 2)) * esz(dt);
    move(at, s, dt, tiles + <usize>i * (<usize>tile << 2) + <usize>pos * esz(dt), 1, dt, seg);
  }
}

/** Write segment [pos, pos + seg) of every output node's tile to its view. */
function storeOutputs(prog: usize, offs: usize, ptrs: usize, outNodes: usize, pos: i32, seg: i32): void {
  const nOut = word(prog, H_OUTPUTS);
  const r = word(prog, H_RANK);
  const opw = 2 + r;
  const opBase = prog + (<usize>(H_WORDS + r) << 2);
  for (let k = 0; k < nOut; k++) {
    const node = load<i32>(outNodes + (<usize>k << 2));
    const opd = opBase + (<usize>(k * opw) << 2);
    const dt = load<i32>(opd, 4);
    const s = load<i32>(opd + (<usize>(2 + r - 1) << 2));
    const nodeDt = load<i32>(outNodes + (<usize>(nOut + k) << 2));
    const o = <usize>load<i32>(opd) + <usize>load<i32>(offs + (<usize>k << 2)) * esz(dt);
    move(<usize>load<i32>(ptrs + (<usize>node << 2)) + <usize>pos * esz(nodeDt), 1, nodeDt, o, s, dt, seg);
  }
}

/**
 * Elementwise form over flat indices [lo, hi) of the iteration shape. A tile inside one row
 * of the last dim reads contiguous operands in place; a tile that spans rows (short rows:
 * an RNN step's [batch, hidden] gate views, broadcasts over a small last dim) gathers its
 * loads row segment by row segment first and scatters its outputs after, so every node
 * still runs over a full tile rather than once per row segment (rows of 3, a transposed
 * [16384, 3] input through 4 nodes: 975 -> 620 us, 1 thread).
 */
export function expr(prog: usize, lo: i32, hi: i32): void {
  const nOut = word(prog, H_OUTPUTS);
  const ops = nOut + word(prog, H_INPUTS);
  const r = word(prog, H_RANK);
  const n = word(prog, H_WORDS + r - 1);
  const tile = word(prog, H_TILE);
  const offs = scratch + OFFS;
  const ptrs = scratch + PTRS;
  const tiles = scratch + TABLES;
  const outNodes = prime(prog, tiles, tile);
  let idx = lo;
  while (idx < hi) {
    const j = operandOffsets(prog, ops, idx, offs);
    const len = min(hi - idx, tile);
    if (n - j >= len) {
      evalTile(prog, offs, ptrs, tiles, tile, len, false);
      storeOutputs(prog, offs, ptrs, outNodes, 0, len);
      idx += len;
      continue;
    }
    let pos = 0;
    let jj = j;
    while (pos < len) {
      if (pos > 0) jj = operandOffsets(prog, ops, idx + pos, offs);
      const seg = min(n - jj, len - pos);
      gatherLoads(prog, offs, tiles, tile, pos, seg);
      pos += seg;
    }
    evalTile(prog, offs, ptrs, tiles, tile, len, true);
    pos = 0;
    while (pos < len) {
      jj = operandOffsets(prog, ops, idx + pos, offs);
      const seg = min(n - jj, len - pos);
      storeOutputs(prog, offs, ptrs, outNodes, pos, seg);
      pos += seg;
    }
    idx += len;
  }
}

/** Fold a tile into an accumulator (f64 for float sums and products: rounded once per row). */
function fold(op: i32, dt: i32, p: usize, n: i32, acc: f64): f64 {
  if (dt == DT_F32) {
    if (op == 2 || op == 3) {
      const e = <f64>extremeF32(p, n, op == 2);
      if (isNaN(acc) || isNaN(e)) return acc + e;
      return op == 2 ? Math.max(acc, e) : Math.min(acc, e);
    }
    for (let k = 0; k < n; k++) {
      const v = <f64>load<f32>(p + (<usize>k << 2));
      acc = op == 0 ? acc + v : acc * v;
    }
    return acc;
  }
  let a = <i32>acc;
  for (let k = 0; k < n; k++) {
    const v = ldI(p, k, dt);
    if (op == 0) a += v;
    else if (op == 1) a *= v;
    else if (op == 2) a = max(a, v);
    else a = min(a, v);
  }
  return <f64>a;
}

/**
 * Reduction form: rows [lo, hi) of [outer, inner] (rank 2: the inputs' strides; each output's
 * first stride steps its rows). Header word H_REDUCE holds the op (0 sum, 1 prod, 2 max, 3 min).
 */
export function exprReduce(prog: usize, lo: i32, hi: i32): void {
  const nOut = word(prog, H_OUTPUTS);
  const ops = nOut + word(prog, H_INPUTS);
  const opw = 4;
  const opBase = prog + (<usize>(H_WORDS + 2) << 2);
  const inner = word(prog, H_WORDS + 1);
  const op = word(prog, H_REDUCE);
  const tile = word(prog, H_TILE);
  const offs = scratch + OFFS;
  const ptrs = scratch + PTRS;
  const accs = scratch + ACCS;
  const tiles = scratch + TABLES;
  const outNodes = prime(prog, tiles, tile);
  for (let row = lo; row < hi; row++) {
    for (let k = 0; k < nOut; k++) {
      const dt = load<i32>(opBase + (<usize>(k * opw) << 2), 4);
      const init: f64 = op == 0 ? 0 : op == 1 ? 1 : dt == DT_F32 ? (op == 2 ? -Infinity : Infinity) : op == 2 ? -2147483648 : 2147483647;
      store<f64>(accs + (<usize>k << 3), init);
    }
    for (let j = 0; j < inner; j += tile) {
      const len = min(tile, inner - j);
      operandOffsets(prog, ops, row * inner + j, offs);
      evalTile(prog, offs, ptrs, tiles, tile, len, false);
      for (let k = 0; k < nOut; k++) {
        const node = load<i32>(outNodes + (<usize>k << 2));
        const nodeDt = load<i32>(outNodes + (<usize>(nOut + k) << 2));
        const p = accs + (<usize>k << 3);
        store<f64>(p, fold(op, nodeDt, <usize>load<i32>(ptrs + (<usize>node << 2)), len, load<f64>(p)));
      }
    }
    for (let k = 0; k < nOut; k++) {
      const opd = opBase + (<usize>(k * opw) << 2);
      const dt = load<i32>(opd, 4);
      let v = load<f64>(accs + (<usize>k << 3));
      // An empty int32 max/min row is core's identity (+-inf) rounded to int32: 0.
      if (dt != DT_F32 && inner == 0 && op >= 2) v = 0;
      const at = <usize>load<i32>(opd) + (<usize>(row * load<i32>(opd, 8)) << 2);
      if (dt == DT_F32) store<f32>(at, <f32>v);
      else store<i32>(at, <i32>v);
    }
  }
}
