import { ENTRY_BUILTINS, FLAT_WG, NAN_HELPERS } from './common.js';
import { MATHLIB } from './mathlib.js';

/**
 * Philox 4x32-10, mapping identical to core's philox.ts: thread `blk` encrypts counter
 * [blk, c1, c2, 0] with key (k0, k1) and writes elements 4*blk .. 4*blk+3.
 * Params: [n, k0, k1, c1, c2, outOffset].
 * WGSL u32 multiplication wraps, which gives the low word; the high word is built from 16-bit
 * halves exactly like core's mulhi32 so no 64-bit arithmetic is needed.
 */
export const RANDOM_WG = 64;

export function randomShader(kind: 'uniform' | 'normal'): string {
  const write =
    kind === 'uniform'
      ? `for (var j = 0u; j < 4u; j++) {
    if (base + j < n) { O[off + base + j] = f32(w[j] >> 8u) * 5.960464477539063e-8; }
  }`
      : `for (var pair = 0u; pair < 2u; pair++) {
    let u1 = f32((w[2u * pair] >> 8u) + 1u) * 5.960464477539063e-8;
    let k2 = w[2u * pair + 1u] >> 8u;
    let r = sqrt(-2.0 * logF(u1));
    let ang = turnsCosSin(k2);
    let j = base + 2u * pair;
    if (j < n) { O[off + j] = r * ang.x; }
    if (j + 1u < n) { O[off + j + 1u] = r * ang.y; }
  }`;
  return `${NAN_HELPERS}
${MATHLIB}
@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
fn mulhi(a: u32, b: u32) -> u32 {
  let aLo = a & 0xffffu; let aHi = a >> 16u;
  let bLo = b & 0xffffu; let bHi = b >> 16u;
  let lolo = aLo * bLo; let hilo = aHi * bLo; let lohi = aLo * bHi; let hihi = aHi * bHi;
  let cross = (lolo >> 16u) + (hilo & 0xffffu) + (lohi & 0xffffu);
  return hihi + (hilo >> 16u) + (lohi >> 16u) + (cross >> 16u);
}
// cos and sin of 2*pi*k/2^24 for a 24-bit k: reduce to one octant with exact integer
// arithmetic first, so the f32 argument stays small and accurate.
fn turnsCosSin(k: u32) -> vec2<f32> {
  let q = k >> 21u;               // octant 0..7
  let rem = k & 0x1fffffu;        // position within the octant
  let odd = (q & 1u) == 1u;
  let r = select(rem, 0x200000u - rem, odd);
  let a = f32(r) * (6.283185307179586 / 16777216.0);
  var c = cosPoly(a); var s = sinPoly(a);
  if (odd) { let t = c; c = s; s = t; }
  // Map octant results back: rotate by (q >> 1) quarter turns.
  let quarter = q >> 1u;
  if (quarter == 1u) { let t = c; c = -s; s = t; }
  else if (quarter == 2u) { c = -c; s = -s; }
  else if (quarter == 3u) { let t = c; c = s; s = -t; }
  return vec2<f32>(c, s);
}
@compute @workgroup_size(${RANDOM_WG})
fn main(${ENTRY_BUILTINS}) {
  ${FLAT_WG}
  let blk = wgid * ${RANDOM_WG}u + li;
  let n = P[0];
  let base = blk * 4u;
  if (base >= n) { return; }
  let off = P[5];
  var c0 = blk; var c1 = P[3]; var c2 = P[4]; var c3 = 0u;
  var k0 = P[1]; var k1 = P[2];
  for (var rnd = 0u; rnd < 10u; rnd++) {
    let hi0 = mulhi(0xd2511f53u, c0); let lo0 = 0xd2511f53u * c0;
    let hi1 = mulhi(0xcd9e8d57u, c2); let lo1 = 0xcd9e8d57u * c2;
    c0 = hi1 ^ c1 ^ k0; c1 = lo1; c2 = hi0 ^ c3 ^ k1; c3 = lo0;
    k0 = k0 + 0x9e3779b9u; k1 = k1 + 0xbb67ae85u;
  }
  var w = array<u32, 4>(c0, c1, c2, c3);
  ${write}
}`;
}
