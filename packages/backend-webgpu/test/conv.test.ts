import { afterAll, beforeAll, describe, it } from 'vitest';
import type { WebGPUBackend } from '../src/index.js';
import { CONV_INPUT_GRAD_VARIANTS, CONV_VARIANTS, CONV_WEIGHT_GRAD_VARIANTS } from '../src/ops/conv.js';
import { empty, expectClose, f32, makeBackend, read, seq, tensor } from './helpers.js';

let be: WebGPUBackend;
beforeAll(async () => {
  be = await makeBackend();
});
afterAll(() => be?.destroy());

interface Geo {
  x: [number, number, number, number];
  w: [number, number, number, number];
  out: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

/**
 * Every (n, o, oh, ow, c, i, j) tap of conv2d with implicit zero padding, from the definition
 * in FusedKernels.conv2d; `visit` gets the flat x, w and out indices of the in-range ones.
 */
function taps(g: Geo, visit: (xi: number, wi: number, oi: number) => void): void {
  const [N, C, H, W] = g.x;
  const [O, Cg, KH, KW] = g.w;
  const [OH, OW] = g.out;
  const Og = O / g.groups;
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++)
          for (let c = 0; c < Cg; c++)
            for (let i = 0; i < KH; i++)
              for (let j = 0; j < KW; j++) {
                const h = oh * g.stride[0] - g.padding[0] + i * g.dilation[0];
                const w = ow * g.stride[1] - g.padding[1] + j * g.dilation[1];
                if (h < 0 || h >= H || w < 0 || w >= W) continue;
                const ci = Math.floor(o / Og) * Cg + c;
                visit(
                  ((n * C + ci) * H + h) * W + w,
                  ((o * Cg + c) * KH + i) * KW + j,
                  ((n * O + o) * OH + oh) * OW + ow,
                );
              }
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

// Padding on both sides, 'same' with an even kernel (trailing padding from the output shape),
// stride and dilation, groups, and a long reduction that the weight gradient splits.
const cases: Geo[] = [
  {
    x: [2, 3, 7, 6],
    w: [4, 3, 3, 3],
    out: [7, 6],
    stride: [1, 1],
    padding: [1, 1],
    dilation: [1, 1],
    groups: 1,
  },
  {
    x: [1, 2, 6, 6],
    w: [3, 2, 2, 2],
    out: [6, 6],
    stride: [1, 1],
    padding: [0, 0],
    dilation: [1, 1],
    groups: 1,
  },
  {
    x: [2, 4, 9, 8],
    w: [6, 2, 3, 2],
    out: [5, 4],
    stride: [2, 2],
    padding: [1, 0],
    dilation: [1, 2],
    groups: 2,
  },
  {
    x: [8, 1, 28, 28],
    w: [8, 1, 3, 3],
    out: [28, 28],
    stride: [1, 1],
    padding: [1, 1],
    dilation: [1, 1],
    groups: 1,
  },
];

function label(g: Geo): string {
  return `x ${g.x.join('x')} w ${g.w.join('x')} out ${g.out.join('x')} s${g.stride} p${g.padding} d${g.dilation} g${g.groups}`;
}

describe('conv2d with implicit padding', () => {
  for (const g of cases) {
    // The tiled variants need zero padding (matmul.test.ts runs them); direct and row ones here.
    const direct = CONV_VARIANTS.filter((v) => !v.startsWith('t:'));
    for (const v of [null, ...direct]) {
      it(`${label(g)} ${v ?? 'picked'}`, async () => {
        const xv = seq(size(g.x), 1).map(f32);
        const wv = seq(size(g.w), 2).map(f32);
        const bv = seq(g.w[0], 3).map(f32);
        const outShape = [g.x[0], g.w[0], ...g.out];
        const exp = new Array<number>(size(outShape)).fill(0);
        for (let i = 0; i < exp.length; i++) exp[i] = bv[Math.floor(i / (g.out[0] * g.out[1])) % g.w[0]];
        taps(g, (xi, wi, oi) => {
          exp[oi] += xv[xi] * wv[wi];
        });
        const out = empty(be, 'float32', outShape);
        be.gemmOverride = v;
        try {
          be.fused.conv2d!(
            tensor(be, 'float32', g.x, xv),
            tensor(be, 'float32', g.w, wv),
            tensor(be, 'float32', [g.w[0]], bv),
            out,
            g,
          );
        } finally {
          be.gemmOverride = null;
        }
        expectClose(await read(be, out), exp, 1e-4, 1e-4);
      });
    }
  }
});

describe('conv2d gradients', () => {
  for (const g of cases) {
    for (const v of [null, ...CONV_WEIGHT_GRAD_VARIANTS]) {
      it(`weight gradient ${label(g)} ${v ?? 'picked'}`, async () => {
        const xv = seq(size(g.x), 4).map(f32);
        const dyShape = [g.x[0], g.w[0], ...g.out];
        const dyv = seq(size(dyShape), 5).map(f32);
        const exp = new Array<number>(size(g.w)).fill(0);
        taps(g, (xi, wi, oi) => {
          exp[wi] += xv[xi] * dyv[oi];
        });
        const dw = empty(be, 'float32', g.w);
        be.gemmOverride = v;
        try {
          be.fused.conv2dWeightGrad!(
            tensor(be, 'float32', g.x, xv),
            tensor(be, 'float32', dyShape, dyv),
            dw,
            g,
          );
        } finally {
          be.gemmOverride = null;
        }
        // Sums of up to N*OH*OW = 6,272 products of values in [-2, 2].
        expectClose(await read(be, dw), exp, 2e-3, 1e-4);
      });
    }
    const unit = g.stride[0] === 1 && g.stride[1] === 1;
    for (const v of [null, ...CONV_INPUT_GRAD_VARIANTS.filter((n) => unit || !n.startsWith('w:'))]) {
      it(`input gradient ${label(g)} ${v ?? 'picked'}`, async () => {
        const wv = seq(size(g.w), 6).map(f32);
        const dyShape = [g.x[0], g.w[0], ...g.out];
        const dyv = seq(size(dyShape), 7).map(f32);
        const exp = new Array<number>(size(g.x)).fill(0);
        taps(g, (xi, wi, oi) => {
          exp[xi] += wv[wi] * dyv[oi];
        });
        const dx = empty(be, 'float32', g.x);
        be.gemmOverride = v;
        try {
          be.fused.conv2dInputGrad!(
            tensor(be, 'float32', dyShape, dyv),
            tensor(be, 'float32', g.w, wv),
            dx,
            g,
          );
        } finally {
          be.gemmOverride = null;
        }
        expectClose(await read(be, dx), exp, 1e-4, 1e-4);
      });
    }
  }
});
