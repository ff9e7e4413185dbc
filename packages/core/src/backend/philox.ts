/**
 * Philox 4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11).
 *
 * Counter-based: element block i of a fill is a pure function of (key, counter, i), so a
 * GPU thread, a WASM worker and this reference all produce the same numbers in any order.
 * This file is the reference mapping that every backend's `random` kernel must match.
 */
import type { PhiloxState, RandomKind } from './contract.js';

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const TWO_POW_MINUS_24 = 2 ** -24;

/** High 32 bits of the 64-bit product of two uint32, without BigInt. */
export function mulhi32(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const lolo = aLo * bLo;
  const hilo = aHi * bLo;
  const lohi = aLo * bHi;
  const hihi = aHi * bHi;
  const cross = (lolo >>> 16) + (hilo & 0xffff) + (lohi & 0xffff);
  return (hihi + (hilo >>> 16) + (lohi >>> 16) + (cross >>> 16)) >>> 0;
}

/** Encrypt one 128-bit counter block; writes four uint32 words into `out`. */
export function philoxBlock(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
): void {
  for (let round = 0; round < 10; round++) {
    const hi0 = mulhi32(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** [0, 1) from the top 24 bits of a word: exactly representable in float32. */
export function wordToUniform(w: number): number {
  return (w >>> 8) * TWO_POW_MINUS_24;
}

/**
 * Reference fill: `out[j]` for j in [0, out.length). Normal values use Box-Muller on the
 * word pairs (w0, w1) and (w2, w3) of each block: u1 = (top24(w0) + 1) * 2^-24 in (0, 1],
 * u2 = top24(w1) * 2^-24, z0 = sqrt(-2 ln u1) cos(2 pi u2), z1 = sqrt(-2 ln u1) sin(2 pi u2).
 */
export function philoxFill(kind: RandomKind, state: PhiloxState, out: Float32Array): void {
  const words = new Uint32Array(4);
  const [k0, k1] = state.key;
  const [c1, c2] = state.counter;
  const n = out.length;
  for (let block = 0; block * 4 < n; block++) {
    philoxBlock(block, c1, c2, 0, k0, k1, words);
    const base = block * 4;
    if (kind === 'uniform') {
      for (let j = 0; j < 4 && base + j < n; j++) out[base + j] = wordToUniform(words[j]);
    } else {
      for (let pair = 0; pair < 2; pair++) {
        const u1 = ((words[2 * pair] >>> 8) + 1) * TWO_POW_MINUS_24;
        const u2 = wordToUniform(words[2 * pair + 1]);
        const r = Math.sqrt(-2 * Math.log(u1));
        const t = 2 * Math.PI * u2;
        const j = base + 2 * pair;
        if (j < n) out[j] = r * Math.cos(t);
        if (j + 1 < n) out[j + 1] = r * Math.sin(t);
      }
    }
  }
}
