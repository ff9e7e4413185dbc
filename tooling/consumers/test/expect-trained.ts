import { expect } from 'vitest';

/** What fixtures/train-body.js returns. */
export interface TrainResult {
  backend: string;
  losses: number[];
  weight: number;
  bias: number;
  xorLosses: number[];
}

/**
 * The least-squares run converged to y = 3x + 0.5 (mathematics: the exact minimiser), every
 * loss below the one before, and the XOR net's loss fell tenfold.
 */
export function expectTrained(r: TrainResult, backend: string): void {
  expect(r.backend).toBe(backend);
  expect(r.losses).toHaveLength(25);
  for (let i = 1; i < r.losses.length; i++) expect(r.losses[i]).toBeLessThan(r.losses[i - 1]);
  expect(r.losses[24]).toBeLessThan(1e-6);
  expect(Math.abs(r.weight - 3)).toBeLessThan(1e-3);
  expect(Math.abs(r.bias - 0.5)).toBeLessThan(1e-3);
  expect(r.xorLosses.at(-1)).toBeLessThan(r.xorLosses[0] / 10);
}
