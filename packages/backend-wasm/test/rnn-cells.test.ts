/**
 * The fused recurrent cells compute sigmoid and tanh in float32 arithmetic (assembly/vmath32.ts)
 * rather than the unary kernel's float64. Their error bound is checked here over a sweep of
 * float32 inputs, against Math.exp / Math.tanh in double: each activated gate of a cell with
 * gh = 0 and c = 0 is sigmoid or tanh of the input. The cells' arithmetic as a whole is
 * checked by the conformance suite (float64 reference, composed path, PyTorch fixtures).
 */
import type { Backend } from '@layers/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend } from '../src/index.js';
import { download, empty, upload } from './helpers.js';

/** Units in the last place of float32 at |x| (the smallest denormal at 0). */
function ulpOf(x: number): number {
  const f = new Float32Array([Math.abs(x)]);
  const u = new Uint32Array(f.buffer);
  const lo = f[0];
  u[0] += 1;
  return f[0] - lo;
}

/** Every 4099th float32 bit pattern in [0, 104], both signs, plus the special values. */
function sweep(): Float32Array {
  const bits: number[] = [];
  for (let b = 0; b <= 0x42d00000; b += 4099) bits.push(b, (b | 0x80000000) >>> 0);
  const out = new Float32Array(new Uint32Array(bits).buffer);
  const special = [0, Infinity, -Infinity, Number.NaN, 1e-45, -1e-45, 88.7, -88.7, 104, -104, 1e30, -1e30];
  return Float32Array.from([...out, ...special]);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
/** The bound the header of vmath32.ts states. */
const MAX_ULP = 2.5;

function worstUlp(got: Float32Array, x: Float32Array, f: (x: number) => number): number {
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const want = f(x[i]);
    if (Number.isNaN(want)) {
      expect(got[i], `f(${x[i]})`).toBeNaN();
      continue;
    }
    worst = Math.max(worst, Math.abs(got[i] - want) / ulpOf(want));
  }
  return worst;
}

for (const threads of [1, 2]) {
  describe(`fused cell activations, ${threads} thread(s)`, () => {
    let be: Backend;
    beforeAll(async () => {
      be = await createWasmBackend({ threads });
    });
    afterAll(() => be.destroy?.());

    it(`lstmCell: sigmoid and tanh within ${MAX_ULP} ulp`, () => {
      const x = sweep();
      const H = x.length;
      const gx = new Float32Array(4 * H);
      for (let g = 0; g < 4; g++) gx.set(x, g * H);
      const out = empty(be, [2, 1, H]);
      const act = empty(be, [1, 4 * H]);
      const zeros = upload(be, new Float32Array(4 * H), [1, 4 * H]);
      const c = upload(be, new Float32Array(H), [1, H]);
      be.fused.lstmCell!(upload(be, gx, [1, 4 * H]), zeros, c, out, act, { batch: 1, hidden: H });
      const a = download(be, act) as Float32Array;
      for (const g of [0, 1, 3])
        expect(worstUlp(a.subarray(g * H, (g + 1) * H), x, sigmoid)).toBeLessThanOrEqual(MAX_ULP);
      expect(worstUlp(a.subarray(2 * H, 3 * H), x, Math.tanh)).toBeLessThanOrEqual(MAX_ULP);
      // The limits are exact.
      const at = (g: number, v: number) => a[g * H + x.indexOf(v)];
      expect([at(0, Infinity), at(0, -Infinity), at(2, Infinity), at(2, -Infinity)]).toEqual([1, 0, 1, -1]);
    });

    it(`gruCell: r, z (sigmoid) and n (tanh) within ${MAX_ULP} ulp`, () => {
      const x = sweep();
      const H = x.length;
      const gx = new Float32Array(3 * H);
      gx.set(x, 0);
      gx.set(x, H);
      gx.set(x, 2 * H);
      const out = empty(be, [1, H]);
      const act = empty(be, [1, 3 * H]);
      const gh = upload(be, new Float32Array(3 * H), [1, 3 * H]);
      be.fused.gruCell!(upload(be, gx, [1, 3 * H]), gh, upload(be, new Float32Array(H), [1, H]), out, act, {
        batch: 1,
        hidden: H,
      });
      const a = download(be, act) as Float32Array;
      expect(worstUlp(a.subarray(0, H), x, sigmoid)).toBeLessThanOrEqual(MAX_ULP);
      expect(worstUlp(a.subarray(H, 2 * H), x, sigmoid)).toBeLessThanOrEqual(MAX_ULP);
      expect(worstUlp(a.subarray(2 * H, 3 * H), x, Math.tanh)).toBeLessThanOrEqual(MAX_ULP);
    });
  });
}
