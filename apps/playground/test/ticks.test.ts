/** Chart axes: "nice" 1-2-5 ticks; expected values follow from the rule, not from our output. */
import { describe, expect, it } from 'vitest';
import { formatTick, niceStep, niceTicks } from '../src/ticks.js';

describe('nice ticks', () => {
  it('steps are 1, 2 or 5 times a power of ten, closest to range / target', () => {
    expect(niceStep(2.43, 4)).toBe(0.5); // 0.61 -> 5 x 0.1
    expect(niceStep(1, 4)).toBe(0.2); // 0.25 -> 2 x 0.1 (2.5 < 3)
    expect(niceStep(10, 4)).toBe(2); // 2.5 -> 2
    expect(niceStep(2000, 4)).toBe(500); // 500
    expect(niceStep(7000, 4)).toBe(2000); // 1750 -> 2 x 1000
    expect(niceStep(0.9, 4)).toBeCloseTo(0.2, 12); // 0.225 -> 2 x 0.1
    expect(niceStep(0.0128, 4)).toBeCloseTo(0.005, 15); // 0.0032 -> 5 x 0.001
  });

  it('the loss axis of the issue (max 2.43) reads 0 to 2.5 in halves', () => {
    expect(niceTicks(2.43)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
  });

  it('ticks start at 0, end at the first step multiple at or above max, without float noise', () => {
    expect(niceTicks(2000)).toEqual([0, 500, 1000, 1500, 2000]);
    expect(niceTicks(0.9)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.3, 3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(96, 2)).toEqual([0, 50, 100]);
  });

  it('degenerate ranges still give an axis', () => {
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(Number.NaN)).toEqual([0, 1]);
  });

  it('labels have the decimals the step needs', () => {
    expect(formatTick(1.5, 0.5)).toBe('1.5');
    expect(formatTick(2, 0.5)).toBe('2.0');
    expect(formatTick(0.05, 0.05)).toBe('0.05');
    expect(formatTick(1500, 500)).toBe('1,500');
    expect(formatTick(3, 1)).toBe('3');
  });
});
