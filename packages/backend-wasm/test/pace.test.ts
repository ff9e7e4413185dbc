// The pool's back-off on a busy machine (src/pace.ts), on given times: no clock involved.
import { describe, expect, it } from 'vitest';
import { Pace } from '../src/pace.js';

describe('wasm pool pace', () => {
  it('a parallel call slower than this thread alone would be starts a solo stretch, doubling per loss', () => {
    const p = new Pace();
    // 4 of 8 pieces took 2 ms here: alone, 4 ms; the call took 10 ms (a worker was descheduled).
    p.record(2, 10, 4, 8, 100);
    expect(p.backoffMs).toBe(4);
    expect(p.solo(103.9)).toBe(true);
    expect(p.solo(104)).toBe(false);
    const lengths = [];
    for (let i = 0; i < 8; i++) {
      p.record(2, 10, 4, 8, 200);
      lengths.push(p.backoffMs);
    }
    expect(lengths).toEqual([8, 16, 32, 64, 128, 256, 256, 256]);
    expect(p.solo(455)).toBe(true);
    expect(p.solo(456)).toBe(false);
  });

  it('calls that gain halve the stretch; short calls the workers missed, or this thread missed, say nothing', () => {
    const p = new Pace();
    for (let i = 0; i < 4; i++) p.record(2, 10, 4, 8, 0);
    expect(p.backoffMs).toBe(32);
    p.record(2, 2.5, 4, 8, 50); // 2.5 ms against 4 alone: a gain
    expect(p.backoffMs).toBe(16);
    p.record(2, 3.5, 4, 8, 50); // within 20% of alone: neither
    expect(p.backoffMs).toBe(16);
    p.record(0.4, 0.4, 8, 8, 50); // this thread did all pieces before a worker could wake
    p.record(0, 100, 0, 8, 50); // the workers did all pieces
    expect(p.backoffMs).toBe(16);
    for (let i = 0; i < 3; i++) p.record(2, 2.5, 4, 8, 60);
    expect(p.backoffMs).toBe(0);
    // Gains never start a solo stretch.
    expect(p.solo(60)).toBe(false);
  });

  it('workers that take no piece of a call longer than 0.5 ms count as a loss', () => {
    const p = new Pace();
    p.record(0.6, 0.6, 8, 8, 10);
    expect(p.backoffMs).toBe(4);
    expect(p.solo(13)).toBe(true);
  });
});
