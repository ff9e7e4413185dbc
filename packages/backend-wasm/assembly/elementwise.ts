// Elementwise kernels: unary, binary, where, copy, fill, gather, scatterAdd.
// Every kernel walks a flat output range [lo, hi) through a strided descriptor (see
// common.ts), so threads can split any shape; rows that are contiguous (or broadcast)
// take SIMD paths.
import {
  beginRun, DT_BOOL, DT_F32, DT_I32, descRank, descShape, descStride, ldF, ldI, off0, off1, off2, off3,
  stF, stI,
} from './common';
import {
  B_ADD, B_DIV, B_MAX, B_MIN, B_MUL, B_SUB, U_ABS, U_CEIL, U_FLOOR, U_NEG, U_NOT, U_ISNAN,
  U_RECIPROCAL, U_RELU, U_ROUND, U_RSQRT, U_SQRT, U_EXP, U_SIGMOID, U_TANH, binaryF, binaryI, unaryF, unaryI,
} from './scalar';
import { cmpRowVec, whereRowVec } from './select';
import { VExp, VSigmoid, VTanh } from './vmath';

// ---- vector op "templates": AS has no value generics, so each op is a final class whose
// inlined methods get specialised into its own loop.
@final class VNeg { @inline v(x: v128): v128 { return f32x4.neg(x); } @inline s(x: f32): f32 { return -x; } }
@final class VAbs { @inline v(x: v128): v128 { return f32x4.abs(x); } @inline s(x: f32): f32 { return Mathf.abs(x); } }
@final class VSqrt { @inline v(x: v128): v128 { return f32x4.sqrt(x); } @inline s(x: f32): f32 { return Mathf.sqrt(x); } }
@final class VRsqrt {
  @inline v(x: v128): v128 { return f32x4.div(f32x4.splat(1), f32x4.sqrt(x)); }
  @inline s(x: f32): f32 { return <f32>1 / Mathf.sqrt(x); }
}
@final class VRecip {
  @inline v(x: v128): v128 { return f32x4.div(f32x4.splat(1), x); }
  @inline s(x: f32): f32 { return <f32>1 / x; }
}
@final class VFloor { @inline v(x: v128): v128 { return f32x4.floor(x); } @inline s(x: f32): f32 { return Mathf.floor(x); } }
@final class VCeil { @inline v(x: v128): v128 { return f32x4.ceil(x); } @inline s(x: f32): f32 { return Mathf.ceil(x); } }
@final class VRound { @inline v(x: v128): v128 { return f32x4.nearest(x); } @inline s(x: f32): f32 { return nearest<f32>(x); } }
@final class VRelu {
  // torch.relu is clamp_min(x, 0): 0 where x < 0, else x, so NaN and -0 pass through
  // (f32x4.max(-0, 0) would give +0).
  @inline v(x: v128): v128 { const z = f32x4.splat(0); return v128.bitselect(z, x, f32x4.lt(x, z)); }
  @inline s(x: f32): f32 { return x < 0 ? 0 : x; }
}

@final class VAdd { @inline v(a: v128, b: v128): v128 { return f32x4.add(a, b); } @inline s(a: f32, b: f32): f32 { return a + b; } }
@final class VSub { @inline v(a: v128, b: v128): v128 { return f32x4.sub(a, b); } @inline s(a: f32, b: f32): f32 { return a - b; } }
@final class VMul { @inline v(a: v128, b: v128): v128 { return f32x4.mul(a, b); } @inline s(a: f32, b: f32): f32 { return a * b; } }
@final class VDiv { @inline v(a: v128, b: v128): v128 { return f32x4.div(a, b); } @inline s(a: f32, b: f32): f32 { return a / b; } }
@final class VMax {
  @inline v(a: v128, b: v128): v128 { return f32x4.max(a, b); }
  @inline s(a: f32, b: f32): f32 { return isNaN(a) || isNaN(b) ? a + b : Mathf.max(a, b); }
}
@final class VMin {
  @inline v(a: v128, b: v128): v128 { return f32x4.min(a, b); }
  @inline s(a: f32, b: f32): f32 { return isNaN(a) || isNaN(b) ? a + b : Mathf.min(a, b); }
}

// @ts-ignore: decorator
@inline function unaryLoop<Op>(x: usize, o: usize, n: i32): void {
  const op = changetype<Op>(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = <usize>i << 2;
    v128.store(o + p, op.v(v128.load(x + p)));
    v128.store(o + p, op.v(v128.load(x + p, 16)), 16);
  }
  for (; i < n; i++) {
    const p = <usize>i << 2;
    store<f32>(o + p, op.s(load<f32>(x + p)));
  }
}

/** Contiguous float32 unary; returns false when the op has no vector path. */
export function unaryRowVec(op: i32, x: usize, o: usize, n: i32): bool {
  switch (op) {
    case U_NEG: unaryLoop<VNeg>(x, o, n); return true;
    case U_ABS: unaryLoop<VAbs>(x, o, n); return true;
    case U_SQRT: unaryLoop<VSqrt>(x, o, n); return true;
    case U_RSQRT: unaryLoop<VRsqrt>(x, o, n); return true;
    case U_RECIPROCAL: unaryLoop<VRecip>(x, o, n); return true;
    case U_FLOOR: unaryLoop<VFloor>(x, o, n); return true;
    case U_CEIL: unaryLoop<VCeil>(x, o, n); return true;
    case U_ROUND: unaryLoop<VRound>(x, o, n); return true;
    case U_RELU: unaryLoop<VRelu>(x, o, n); return true;
    case U_EXP: unaryLoop<VExp>(x, o, n); return true;
    case U_SIGMOID: unaryLoop<VSigmoid>(x, o, n); return true;
    case U_TANH: unaryLoop<VTanh>(x, o, n); return true;
  }
  return false;
}

export function unary(op: i32, dtIn: i32, dtOut: i32, desc: usize, x: usize, o: usize, lo: i32, hi: i32): void {
  const r = descRank(desc);
  const n = descShape(desc, r - 1);
  const so = descStride(desc, 0, r - 1);
  const sx = descStride(desc, 1, r - 1);
  const intPath = dtIn != DT_F32 && op != U_NOT && op != U_ISNAN;
  let idx = lo;
  while (idx < hi) {
    const len = beginRun(desc, n, idx, hi);
    const xo = off1;
    const oo = off0;
    if (dtIn == DT_F32 && dtOut == DT_F32 && sx == 1 && so == 1 && unaryRowVec(op, x + (<usize>xo << 2), o + (<usize>oo << 2), len)) {
      // vector path done
    } else if (intPath) {
      for (let k = 0; k < len; k++) stI(o, oo + k * so, dtOut, unaryI(op, ldI(x, xo + k * sx, dtIn)));
    } else {
      for (let k = 0; k < len; k++) stF(o, oo + k * so, dtOut, unaryF(op, ldF(x, xo + k * sx, dtIn)));
    }
    idx += len;
  }
}

// @ts-ignore: decorator
@inline function binLoop<Op>(a: usize, sa: i32, b: usize, sb: i32, o: usize, n: i32): void {
  const op = changetype<Op>(0);
  let i = 0;
  if (sa == 1 && sb == 1) {
    for (; i + 8 <= n; i += 8) {
      const p = <usize>i << 2;
      v128.store(o + p, op.v(v128.load(a + p), v128.load(b + p)));
      v128.store(o + p, op.v(v128.load(a + p, 16), v128.load(b + p, 16)), 16);
    }
    for (; i < n; i++) {
      const p = <usize>i << 2;
      store<f32>(o + p, op.s(load<f32>(a + p), load<f32>(b + p)));
    }
  } else if (sa == 1) {
    const bs = load<f32>(b);
    const bv = f32x4.splat(bs);
    for (; i + 8 <= n; i += 8) {
      const p = <usize>i << 2;
      v128.store(o + p, op.v(v128.load(a + p), bv));
      v128.store(o + p, op.v(v128.load(a + p, 16), bv), 16);
    }
    for (; i < n; i++) {
      const p = <usize>i << 2;
      store<f32>(o + p, op.s(load<f32>(a + p), bs));
    }
  } else {
    const as = load<f32>(a);
    const av = f32x4.splat(as);
    for (; i + 8 <= n; i += 8) {
      const p = <usize>i << 2;
      v128.store(o + p, op.v(av, v128.load(b + p)));
      v128.store(o + p, op.v(av, v128.load(b + p, 16)), 16);
    }
    for (; i < n; i++) {
      const p = <usize>i << 2;
      store<f32>(o + p, op.s(as, load<f32>(b + p)));
    }
  }
}

/** float32 row with out contiguous and each input contiguous or broadcast (not both broadcast). */
export function binRowVec(op: i32, a: usize, sa: i32, b: usize, sb: i32, o: usize, n: i32): bool {
  switch (op) {
    case B_ADD: binLoop<VAdd>(a, sa, b, sb, o, n); return true;
    case B_SUB: binLoop<VSub>(a, sa, b, sb, o, n); return true;
    case B_MUL: binLoop<VMul>(a, sa, b, sb, o, n); return true;
    case B_DIV: binLoop<VDiv>(a, sa, b, sb, o, n); return true;
    case B_MAX: binLoop<VMax>(a, sa, b, sb, o, n); return true;
    case B_MIN: binLoop<VMin>(a, sa, b, sb, o, n); return true;
  }
  return false;
}

export function binary(op: i32, dtIn: i32, dtOut: i32, desc: usize, a: usize, b: usize, o: usize, lo: i32, hi: i32): void {
  const r = descRank(desc);
  const n = descShape(desc, r - 1);
  const so = descStride(desc, 0, r - 1);
  const sa = descStride(desc, 1, r - 1);
  const sb = descStride(desc, 2, r - 1);
  const rowsOk = so == 1 && (sa == 1 || sa == 0) && (sb == 1 || sb == 0) && sa + sb > 0 && dtIn == DT_F32;
  const vecOk = rowsOk && dtOut == DT_F32;
  const cmpOk = rowsOk && dtOut == DT_BOOL;
  const intPath = dtIn != DT_F32;
  let idx = lo;
  while (idx < hi) {
    const len = beginRun(desc, n, idx, hi);
    const oo = off0;
    const ao = off1;
    const bo = off2;
    if (vecOk && binRowVec(op, a + (<usize>ao << 2), sa, b + (<usize>bo << 2), sb, o + (<usize>oo << 2), len)) {
      // vector path done
    } else if (cmpOk && cmpRowVec(op, a + (<usize>ao << 2), sa, b + (<usize>bo << 2), sb, o + <usize>oo, len)) {
      // vector comparison done
    } else if (intPath) {
      for (let k = 0; k < len; k++) {
        stI(o, oo + k * so, dtOut, binaryI(op, ldI(a, ao + k * sa, dtIn), ldI(b, bo + k * sb, dtIn)));
      }
    } else {
      for (let k = 0; k < len; k++) {
        stF(o, oo + k * so, dtOut, binaryF(op, ldF(a, ao + k * sa, dtIn), ldF(b, bo + k * sb, dtIn)));
      }
    }
    idx += len;
  }
}

/** out = cond ? a : b. Operands: 0 out, 1 a, 2 b, 3 cond (bool). */
export function where(dt: i32, desc: usize, c: usize, a: usize, b: usize, o: usize, lo: i32, hi: i32): void {
  const r = descRank(desc);
  const n = descShape(desc, r - 1);
  const so = descStride(desc, 0, r - 1);
  const sa = descStride(desc, 1, r - 1);
  const sb = descStride(desc, 2, r - 1);
  const sc = descStride(desc, 3, r - 1);
  let idx = lo;
  while (idx < hi) {
    const len = beginRun(desc, n, idx, hi);
    const oo = off0;
    const ao = off1;
    const bo = off2;
    const co = off3;
    if (dt != DT_BOOL && so == 1 && sc == 1 && (sa == 1 || sa == 0) && (sb == 1 || sb == 0)) {
      whereRowVec(c + <usize>co, a + (<usize>ao << 2), sa, b + (<usize>bo << 2), sb, o + (<usize>oo << 2), len);
    } else if (dt == DT_BOOL) {
      for (let k = 0; k < len; k++) {
        const v = load<u8>(c + <usize>(co + k * sc)) ? load<u8>(a + <usize>(ao + k * sa)) : load<u8>(b + <usize>(bo + k * sb));
        store<u8>(o + <usize>(oo + k * so), v);
      }
    } else {
      // float32 and int32 are both 4-byte words: move bits, never convert.
      for (let k = 0; k < len; k++) {
        const v = load<u8>(c + <usize>(co + k * sc))
          ? load<u32>(a + (<usize>(ao + k * sa) << 2))
          : load<u32>(b + (<usize>(bo + k * sb) << 2));
        store<u32>(o + (<usize>(oo + k * so) << 2), v);
      }
    }
    idx += len;
  }
}

/** Strided copy with conversion. Operands: 0 out, 1 x. */
export function copy(dtIn: i32, dtOut: i32, desc: usize, x: usize, o: usize, lo: i32, hi: i32): void {
  const r = descRank(desc);
  const n = descShape(desc, r - 1);
  const so = descStride(desc, 0, r - 1);
  const sx = descStride(desc, 1, r - 1);
  const esz: usize = dtIn == DT_BOOL ? 1 : 4;
  let idx = lo;
  while (idx < hi) {
    const len = beginRun(desc, n, idx, hi);
    const oo = off0;
    const xo = off1;
    if (dtIn == dtOut && so == 1 && sx == 1) {
      memory.copy(o + <usize>oo * esz, x + <usize>xo * esz, <usize>len * esz);
    } else if (dtIn == dtOut) {
      if (esz == 4) {
        for (let k = 0; k < len; k++) store<u32>(o + (<usize>(oo + k * so) << 2), load<u32>(x + (<usize>(xo + k * sx) << 2)));
      } else {
        for (let k = 0; k < len; k++) store<u8>(o + <usize>(oo + k * so), load<u8>(x + <usize>(xo + k * sx)));
      }
    } else if (dtIn == DT_F32) {
      for (let k = 0; k < len; k++) stF(o, oo + k * so, dtOut, ldF(x, xo + k * sx, dtIn));
    } else {
      for (let k = 0; k < len; k++) stI(o, oo + k * so, dtOut, ldI(x, xo + k * sx, dtIn));
    }
    idx += len;
  }
}

/** Fill a strided view. Operand 0 only. `bits` is the element's bit pattern. */
export function fill(dt: i32, desc: usize, o: usize, bits: i32, lo: i32, hi: i32): void {
  const r = descRank(desc);
  const n = descShape(desc, r - 1);
  const so = descStride(desc, 0, r - 1);
  let idx = lo;
  while (idx < hi) {
    const len = beginRun(desc, n, idx, hi);
    const oo = off0;
    if (dt == DT_BOOL) {
      if (so == 1) memory.fill(o + <usize>oo, <u8>bits, <usize>len);
      else for (let k = 0; k < len; k++) store<u8>(o + <usize>(oo + k * so), <u8>bits);
    } else if (so == 1) {
      const p = o + (<usize>oo << 2);
      const v = i32x4.splat(bits);
      let k = 0;
      for (; k + 4 <= len; k += 4) v128.store(p + (<usize>k << 2), v);
      for (; k < len; k++) store<i32>(p + (<usize>k << 2), bits);
    } else {
      for (let k = 0; k < len; k++) store<i32>(o + (<usize>(oo + k * so) << 2), bits);
    }
    idx += len;
  }
}

/**
 * Gather: operands 0 out, 1 index (int32), 2 x with the gathered dim's stride zeroed;
 * `sdim` is x's real stride along that dim.
 */
export function gather(dt: i32, desc: usize, x: usize, index: usize, o: usize, sdim: i32, lo: i32, hi: i32): void {
  const r = descRank(desc);
  const n = descShape(desc, r - 1);
  const so = descStride(desc, 0, r - 1);
  const si = descStride(desc, 1, r - 1);
  const sx = descStride(desc, 2, r - 1);
  let idx = lo;
  while (idx < hi) {
    const len = beginRun(desc, n, idx, hi);
    for (let k = 0; k < len; k++) {
      const src = off2 + k * sx + load<i32>(index + (<usize>(off1 + k * si) << 2)) * sdim;
      const dst = off0 + k * so;
      if (dt == DT_BOOL) store<u8>(o + <usize>dst, load<u8>(x + <usize>src));
      else store<u32>(o + (<usize>dst << 2), load<u32>(x + (<usize>src << 2)));
    }
    idx += len;
  }
}

/**
 * scatterAdd: iterates index's shape. Operands 0 out (gathered dim's stride zeroed),
 * 1 index, 2 src; `sdim` is out's stride along dim. Single-threaded (indices may repeat).
 */
export function scatterAdd(dt: i32, desc: usize, o: usize, index: usize, src: usize, sdim: i32, lo: i32, hi: i32): void {
  const r = descRank(desc);
  const n = descShape(desc, r - 1);
  const so = descStride(desc, 0, r - 1);
  const si = descStride(desc, 1, r - 1);
  const ss = descStride(desc, 2, r - 1);
  let idx = lo;
  while (idx < hi) {
    const len = beginRun(desc, n, idx, hi);
    for (let k = 0; k < len; k++) {
      const dst = off0 + k * so + load<i32>(index + (<usize>(off1 + k * si) << 2)) * sdim;
      const s = off2 + k * ss;
      if (dt == DT_F32) {
        const p = o + (<usize>dst << 2);
        store<f32>(p, load<f32>(p) + load<f32>(src + (<usize>s << 2)));
      } else if (dt == DT_I32) {
        const p = o + (<usize>dst << 2);
        store<i32>(p, load<i32>(p) + load<i32>(src + (<usize>s << 2)));
      } else {
        const p = o + <usize>dst;
        store<u8>(p, load<u8>(p) | load<u8>(src + <usize>s));
      }
    }
    idx += len;
  }
}
