/**
 * The fused pool2d and pool2dBackward kernels (kernels/pool2d.ts) against a float64 reference
 * written from PyTorch's definitions: each geometry class the shaders specialise on (exact
 * tiling, tiling with a remainder, overlapping windows with padding), max and average.
 */
import * as L from '@layers/core';
import { describe, expect, it } from 'vitest';
import { useBackend } from './helpers.js';

interface Geo {
  k: [number, number];
  s: [number, number];
  p: [number, number];
}

/** Inputs on a 0.5 grid (so windows hold ties), one NaN for the max pools. */
function input(n: number, nan: boolean): Float32Array {
  const data = new Float32Array(n);
  let s = 777;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = ((s >>> 16) % 17) / 2 - 4;
  }
  if (nan) data[Math.floor(n / 3)] = Number.NaN;
  return data;
}

/** Forward values and the input gradient for cotangent g, PyTorch semantics (no ceil mode). */
function reference(mode: 'max' | 'avg', x: Float32Array, shape: number[], geo: Geo, g: Float32Array) {
  const [N, C, H, W] = shape;
  const [kh, kw] = geo.k;
  const [sh, sw] = geo.s;
  const [ph, pw] = geo.p;
  const OH = Math.floor((H + 2 * ph - kh) / sh) + 1;
  const OW = Math.floor((W + 2 * pw - kw) / sw) + 1;
  const y = new Float64Array(N * C * OH * OW);
  const dx = new Float64Array(N * C * H * W);
  for (let pl = 0; pl < N * C; pl++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const o = (pl * OH + oh) * OW + ow;
        let best = Number.NEGATIVE_INFINITY;
        let arg = -1;
        let sum = 0;
        const cells: number[] = [];
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            const h = oh * sh - ph + i;
            const w = ow * sw - pw + j;
            if (h < 0 || h >= H || w < 0 || w >= W) continue;
            const at = pl * H * W + h * W + w;
            const v = x[at];
            cells.push(at);
            sum += v;
            // The first maximum wins; a NaN wins over everything.
            if (arg < 0 || (Number.isNaN(v) && !Number.isNaN(best)) || (!Number.isNaN(best) && v > best)) {
              best = v;
              arg = at;
            }
          }
        }
        if (mode === 'max') {
          y[o] = best;
          dx[arg] += g[o];
        } else {
          // countIncludePad (the default): the divisor is the whole window.
          y[o] = sum / (kh * kw);
          for (const at of cells) dx[at] += g[o] / (kh * kw);
        }
      }
    }
  }
  return { y, dx, out: [N, C, OH, OW] };
}

const CASES: { name: string; mode: 'max' | 'avg'; shape: number[]; geo: Geo }[] = [
  {
    name: 'max k2 exact tiling',
    mode: 'max',
    shape: [2, 3, 8, 12],
    geo: { k: [2, 2], s: [2, 2], p: [0, 0] },
  },
  {
    name: 'max k2 on 7x9 (remainder)',
    mode: 'max',
    shape: [2, 3, 7, 9],
    geo: { k: [2, 2], s: [2, 2], p: [0, 0] },
  },
  {
    name: 'max k3 s2 p1 (overlap)',
    mode: 'max',
    shape: [2, 2, 9, 8],
    geo: { k: [3, 3], s: [2, 2], p: [1, 1] },
  },
  { name: 'max k(2,3) s(1,2)', mode: 'max', shape: [1, 3, 6, 7], geo: { k: [2, 3], s: [1, 2], p: [0, 0] } },
  { name: 'avg k2 exact tiling', mode: 'avg', shape: [2, 3, 8, 8], geo: { k: [2, 2], s: [2, 2], p: [0, 0] } },
  {
    name: 'avg k2 on 7x7 (remainder)',
    mode: 'avg',
    shape: [1, 2, 7, 7],
    geo: { k: [2, 2], s: [2, 2], p: [0, 0] },
  },
  {
    name: 'avg k3 s1 p1 (overlap)',
    mode: 'avg',
    shape: [1, 2, 6, 7],
    geo: { k: [3, 3], s: [1, 1], p: [1, 1] },
  },
];

// Float32 sums of at most 9 terms of magnitude <= 4 (0.5 grid, so each term is exact): the
// rounding error is below 9 * 4 * 2^-24 ~ 2.1e-6. Max values and non-overlapping max
// gradients are copies, so exact.
const SUM_ATOL = 2.5e-6;

function expectNear(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i])) expect(got[i], `${what}[${i}]`).toBeNaN();
    else if (!(Math.abs(got[i] - want[i]) <= atol)) {
      throw new Error(`${what}[${i}]: expected ${want[i]} ± ${atol}, got ${got[i]}`);
    }
  }
}

describe('pool2d kernels against the reference', () => {
  const backend = useBackend();
  for (const c of CASES) {
    it(c.name, async () => {
      const be = backend();
      L.setBackend(be);
      const n = c.shape.reduce((a, b) => a * b, 1);
      const xs = input(n, c.mode === 'max');
      const ref0 = reference(c.mode, xs, c.shape, c.geo, new Float32Array(0));
      const gs = input(ref0.y.length, false).map((v) => v / 2 + 0.25);
      const ref = reference(c.mode, xs, c.shape, c.geo, gs);
      const x = L.fromTypedArray(xs, c.shape, be).requiresGrad_();
      const opts = { stride: c.geo.s, padding: c.geo.p };
      const y = c.mode === 'max' ? L.F.maxPool2d(x, c.geo.k, opts) : L.F.avgPool2d(x, c.geo.k, opts);
      expect(y.shape).toEqual(ref.out);
      const [dx] = L.autograd.grad(y, [x], { gradOutputs: L.fromTypedArray(gs, ref.out, be) });
      const overlap = c.geo.k[0] > c.geo.s[0] || c.geo.k[1] > c.geo.s[1];
      expectNear(await y.data(), ref.y, c.mode === 'max' ? 0 : SUM_ATOL, `${c.name} values`);
      expectNear(await dx!.data(), ref.dx, c.mode === 'max' && !overlap ? 0 : SUM_ATOL, `${c.name} dx`);
    });
  }
});
