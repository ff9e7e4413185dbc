// Row reductions of a contiguous [outer, inner] block into out[outer]; threads split rows.
import { DT_F32, DT_I32, ldI, stI } from './common';

export const R_SUM: i32 = 0;
export const R_PROD: i32 = 1;
export const R_MAX: i32 = 2;
export const R_MIN: i32 = 3;
export const R_ARGMAX: i32 = 4;
export const R_ARGMIN: i32 = 5;

function sumF32(p: usize, n: i32): f32 {
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const q = p + (<usize>i << 2);
    a0 = f32x4.add(a0, v128.load(q));
    a1 = f32x4.add(a1, v128.load(q, 16));
    a2 = f32x4.add(a2, v128.load(q, 32));
    a3 = f32x4.add(a3, v128.load(q, 48));
  }
  for (; i + 4 <= n; i += 4) a0 = f32x4.add(a0, v128.load(p + (<usize>i << 2)));
  const s = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
  let r = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
  for (; i < n; i++) r += load<f32>(p + (<usize>i << 2));
  return r;
}

// @ts-ignore: decorator
@inline function nanMax(a: f32, b: f32): f32 {
  return isNaN(a) || isNaN(b) ? a + b : Mathf.max(a, b);
}
// @ts-ignore: decorator
@inline function nanMin(a: f32, b: f32): f32 {
  return isNaN(a) || isNaN(b) ? a + b : Mathf.min(a, b);
}

/** max (isMax) or min of a float32 row; f32x4.max/min propagate NaN like torch.max. */
export function extremeF32(p: usize, n: i32, isMax: bool): f32 {
  let r: f32 = isMax ? -Infinity : Infinity;
  let i = 0;
  if (n >= 8) {
    let v0 = v128.load(p);
    let v1 = v128.load(p, 16);
    for (i = 8; i + 8 <= n; i += 8) {
      const q = p + (<usize>i << 2);
      if (isMax) {
        v0 = f32x4.max(v0, v128.load(q));
        v1 = f32x4.max(v1, v128.load(q, 16));
      } else {
        v0 = f32x4.min(v0, v128.load(q));
        v1 = f32x4.min(v1, v128.load(q, 16));
      }
    }
    const v = isMax ? f32x4.max(v0, v1) : f32x4.min(v0, v1);
    const e0 = f32x4.extract_lane(v, 0);
    const e1 = f32x4.extract_lane(v, 1);
    const e2 = f32x4.extract_lane(v, 2);
    const e3 = f32x4.extract_lane(v, 3);
    r = isMax ? nanMax(nanMax(e0, e1), nanMax(e2, e3)) : nanMin(nanMin(e0, e1), nanMin(e2, e3));
  }
  for (; i < n; i++) {
    const e = load<f32>(p + (<usize>i << 2));
    r = isMax ? nanMax(r, e) : nanMin(r, e);
  }
  return r;
}

function argF32(p: usize, n: i32, isMax: bool): i32 {
  if (n == 0) return 0;
  let best = load<f32>(p);
  let bi = 0;
  if (isNaN(best)) return 0;
  for (let i = 1; i < n; i++) {
    const v = load<f32>(p + (<usize>i << 2));
    if (isNaN(v)) return i;
    if (isMax ? v > best : v < best) {
      best = v;
      bi = i;
    }
  }
  return bi;
}

export function reduce(op: i32, dt: i32, x: usize, o: usize, inner: i32, lo: i32, hi: i32): void {
  const esz: usize = dt == DT_F32 || dt == DT_I32 ? 4 : 1;
  for (let row = lo; row < hi; row++) {
    const p = x + <usize>row * <usize>inner * esz;
    if (op == R_ARGMAX || op == R_ARGMIN) {
      let r = 0;
      if (dt == DT_F32) {
        r = argF32(p, inner, op == R_ARGMAX);
      } else {
        let best = ldI(p, 0, dt);
        for (let i = 1; i < inner; i++) {
          const v = ldI(p, i, dt);
          if (op == R_ARGMAX ? v > best : v < best) {
            best = v;
            r = i;
          }
        }
      }
      store<i32>(o + (<usize>row << 2), r);
    } else if (dt == DT_F32) {
      let r: f32 = 0;
      if (op == R_SUM) r = sumF32(p, inner);
      else if (op == R_MAX) r = extremeF32(p, inner, true);
      else if (op == R_MIN) r = extremeF32(p, inner, false);
      else {
        r = 1;
        for (let i = 0; i < inner; i++) r *= load<f32>(p + (<usize>i << 2));
      }
      store<f32>(o + (<usize>row << 2), r);
    } else {
      let r: i32 = op == R_SUM ? 0 : op == R_PROD ? 1 : op == R_MAX ? i32.MIN_VALUE : i32.MAX_VALUE;
      for (let i = 0; i < inner; i++) {
        const v = ldI(p, i, dt);
        if (op == R_SUM) r += v;
        else if (op == R_PROD) r *= v;
        else if (op == R_MAX) r = v > r ? v : r;
        else r = v < r ? v : r;
      }
      if (inner == 0 && dt != DT_I32 && (op == R_MAX || op == R_MIN)) r = op == R_MAX ? 0 : 1;
      stI(o, row, dt, r);
    }
  }
}
