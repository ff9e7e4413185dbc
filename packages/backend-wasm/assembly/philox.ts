// Philox 4x32-10, mapped to floats exactly as @layers/core's philox.ts. The normal path
// calls the host's Math.log/cos/sin so the values match the JS reference bit for bit.

// @ts-ignore: decorator
@external("env", "hostLog") declare function hostLog(x: f64): f64;
// @ts-ignore: decorator
@external("env", "hostCos") declare function hostCos(x: f64): f64;
// @ts-ignore: decorator
@external("env", "hostSin") declare function hostSin(x: f64): f64;

const M0: u64 = 0xd2511f53;
const M1: u64 = 0xcd9e8d57;
const W0: u32 = 0x9e3779b9;
const W1: u32 = 0xbb67ae85;
const INV24: f32 = 5.960464477539063e-8;

/** Fill blocks [lo, hi) of `out` (n floats); kind 0 = uniform, 1 = normal. */
export function philox(kind: i32, key0: u32, key1: u32, ctr1: u32, ctr2: u32, out: usize, n: i32, lo: i32, hi: i32): void {
  for (let block = lo; block < hi; block++) {
    let c0: u32 = <u32>block;
    let c1 = ctr1;
    let c2 = ctr2;
    let c3: u32 = 0;
    let k0 = key0;
    let k1 = key1;
    for (let round = 0; round < 10; round++) {
      const p0 = M0 * <u64>c0;
      const p1 = M1 * <u64>c2;
      const n0 = <u32>(p1 >> 32) ^ c1 ^ k0;
      const n2 = <u32>(p0 >> 32) ^ c3 ^ k1;
      c1 = <u32>p1;
      c3 = <u32>p0;
      c0 = n0;
      c2 = n2;
      k0 += W0;
      k1 += W1;
    }
    const base = block << 2;
    const q = out + (<usize>base << 2);
    if (kind == 0) {
      if (base + 4 <= n) {
        store<f32>(q, <f32>(c0 >>> 8) * INV24);
        store<f32>(q, <f32>(c1 >>> 8) * INV24, 4);
        store<f32>(q, <f32>(c2 >>> 8) * INV24, 8);
        store<f32>(q, <f32>(c3 >>> 8) * INV24, 12);
      } else {
        if (base < n) store<f32>(q, <f32>(c0 >>> 8) * INV24);
        if (base + 1 < n) store<f32>(q, <f32>(c1 >>> 8) * INV24, 4);
        if (base + 2 < n) store<f32>(q, <f32>(c2 >>> 8) * INV24, 8);
      }
    } else {
      for (let pair = 0; pair < 2; pair++) {
        const wa = pair == 0 ? c0 : c2;
        const wb = pair == 0 ? c1 : c3;
        const u1 = <f64>((wa >>> 8) + 1) * 5.960464477539063e-8;
        const u2 = <f64>(wb >>> 8) * 5.960464477539063e-8;
        const r = Math.sqrt(-2 * hostLog(u1));
        const t = 2 * Math.PI * u2;
        const j = base + 2 * pair;
        if (j < n) store<f32>(out + (<usize>j << 2), <f32>(r * hostCos(t)));
        if (j + 1 < n) store<f32>(out + (<usize>(j + 1) << 2), <f32>(r * hostSin(t)));
      }
    }
  }
}
