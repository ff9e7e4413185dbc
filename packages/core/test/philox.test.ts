import { describe, expect, it } from 'vitest';
import { mulhi32, philoxBlock, philoxFill, wordToUniform } from '../src/backend/philox.js';

// Known-answer vectors for Philox4x32-10 published with Random123 (kat_vectors).
const KAT: [number[], number[], number[]][] = [
  [
    [0, 0, 0, 0],
    [0, 0],
    [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
  ],
  [
    [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    [0xffffffff, 0xffffffff],
    [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  ],
  [
    [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    [0xa4093822, 0x299f31d0],
    [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  ],
];

describe('Philox 4x32-10 reference', () => {
  it('matches the Random123 known-answer vectors', () => {
    const out = new Uint32Array(4);
    for (const [ctr, key, expected] of KAT) {
      philoxBlock(ctr[0], ctr[1], ctr[2], ctr[3], key[0], key[1], out);
      expect(Array.from(out)).toEqual(expected);
    }
  });

  it('computes the high word of 32x32-bit products exactly', () => {
    const cases: [number, number][] = [
      [0xffffffff, 0xffffffff],
      [0xd2511f53, 0x12345678],
      [0xcd9e8d57, 0x80000000],
      [1, 0xffffffff],
    ];
    for (const [a, b] of cases) {
      expect(mulhi32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
    }
  });

  it('maps words to [0, 1) and draws uniform and normal values with the right moments', () => {
    expect(wordToUniform(0)).toBe(0);
    expect(wordToUniform(0xffffffff)).toBe(1 - 2 ** -24);
    const n = 200_000;
    const u = new Float32Array(n);
    philoxFill('uniform', { key: [1, 2], counter: [3, 4] }, u);
    const mean = u.reduce((s, v) => s + v, 0) / n;
    // Standard error of the mean of U(0,1) is sqrt(1/12/n) ~ 6.5e-4: allow 5 of them.
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    const z = new Float32Array(n + 3); // a length that is not a multiple of 4
    philoxFill('normal', { key: [1, 2], counter: [3, 5] }, z);
    const zm = z.reduce((s, v) => s + v, 0) / z.length;
    const zv = z.reduce((s, v) => s + (v - zm) ** 2, 0) / z.length;
    expect(Math.abs(zm)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(zv - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });

  it('gives different streams for different counters and the same stream for the same state', () => {
    const a = new Float32Array(8);
    const b = new Float32Array(8);
    const c = new Float32Array(8);
    philoxFill('uniform', { key: [9, 0], counter: [0, 0] }, a);
    philoxFill('uniform', { key: [9, 0], counter: [1, 0] }, b);
    philoxFill('uniform', { key: [9, 0], counter: [0, 0] }, c);
    expect(Array.from(a)).toEqual(Array.from(c));
    expect(Array.from(a)).not.toEqual(Array.from(b));
  });
});
