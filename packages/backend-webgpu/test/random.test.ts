import { philoxFill } from '@layers/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '../src/index.js';
import { empty, makeBackend, read, view } from './helpers.js';

let be: WebGPUBackend;
beforeAll(async () => {
  be = await makeBackend();
});
afterAll(() => be?.destroy());

describe('random (Philox 4x32-10)', () => {
  const states = [
    { key: [0, 0], counter: [0, 0] },
    { key: [0x12345678, 0x9abcdef0], counter: [7, 0xffffffff] },
    { key: [0xffffffff, 0xffffffff], counter: [0xdeadbeef, 3] },
  ] as const;
  for (const kind of ['uniform', 'normal'] as const) {
    for (const state of states) {
      it(`${kind} matches core's philoxFill (key ${state.key.join(',')})`, async () => {
        // 1003: not a multiple of 4, exercising the partial last block.
        const n = 1003;
        const out = empty(be, 'float32', [n]);
        be.random(kind, state, out);
        const got = await read(be, out);
        const ref = new Float32Array(n);
        philoxFill(kind, state, ref);
        let worst = 0;
        for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]));
        if (kind === 'uniform')
          expect(worst).toBe(0); // exact: top 24 bits times 2^-24
        else expect(worst).toBeLessThanOrEqual(1e-6);
      });
    }
  }
  it('writes at the view offset and nothing else', async () => {
    const base = empty(be, 'float32', [12]);
    be.fill(base, -1);
    const state = { key: [1, 2], counter: [3, 4] } as const;
    be.random('uniform', state, view(base, [9], [1], 2));
    const got = await read(be, base);
    const ref = new Float32Array(9);
    philoxFill('uniform', state, ref);
    expect(got).toEqual([-1, -1, ...Array.from(ref), -1]);
  });
});
