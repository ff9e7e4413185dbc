import { createCpuBackend } from '@layers/backend-cpu';
import type { Backend, Conv2dParams, View } from '@layers/core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createWasmBackend } from '../src/index.js';
import { download, empty, expectClose, randomData, size, upload } from './helpers.js';

/**
 * The wasm convolution kernels (forward, input gradient, weight gradient: implicit GEMMs with
 * implicit padding) against the cpu backend's, which its own tests check against the
 * float64 definition. Shapes chosen for the packing's edges: K not a multiple of 8, pixel
 * panels that straddle output rows, 1x1, stride > kernel, large dilation and padding,
 * batch 1, 1 and 3 channels, groups, depthwise.
 */
interface Case {
  x: [number, number, number, number];
  w: [number, number, number, number];
  stride?: [number, number];
  padding?: [number, number];
  dilation?: [number, number];
  groups?: number;
  /** Output size; default: the windows that fit with `padding` on both sides. */
  out?: [number, number];
}

const CASES: Record<string, Case> = {
  'mnist conv1 (1 channel, pad 1)': { x: [3, 1, 28, 28], w: [8, 1, 3, 3], padding: [1, 1] },
  'mnist conv2 (K = 72)': { x: [2, 8, 14, 14], w: [16, 8, 3, 3], padding: [1, 1] },
  '3 channels, odd sizes, no padding': { x: [2, 3, 9, 13], w: [5, 3, 3, 3] },
  '1x1': { x: [2, 5, 6, 7], w: [4, 5, 1, 1] },
  '1x1 strided and padded': { x: [1, 5, 6, 7], w: [4, 5, 1, 1], stride: [2, 2], padding: [1, 1] },
  'stride > kernel': { x: [2, 3, 11, 12], w: [6, 3, 2, 2], stride: [3, 4], padding: [1, 0] },
  'big dilation, asymmetric geometry': {
    x: [1, 2, 17, 15],
    w: [5, 2, 3, 2],
    dilation: [4, 5],
    padding: [3, 2],
    stride: [1, 2],
  },
  'padding same, even kernel (trailing pad 2)': {
    x: [2, 3, 9, 10],
    w: [4, 3, 4, 4],
    padding: [1, 1],
    out: [9, 10],
  },
  'groups, padding larger than the kernel': { x: [2, 4, 7, 9], w: [6, 2, 3, 3], groups: 2, padding: [3, 4] },
  depthwise: { x: [2, 4, 8, 9], w: [8, 1, 3, 3], groups: 4, stride: [1, 2], padding: [1, 1] },
  'bigger 3x3': { x: [2, 16, 20, 20], w: [32, 16, 3, 3], padding: [1, 1] },
  'more than 64 output channels, K > 256': { x: [1, 40, 6, 6], w: [70, 40, 3, 3], padding: [1, 1] },
  // Wide enough rows that interior panels are read in place, across k blocks and row blocks.
  'in-place panels, K = 288': { x: [2, 32, 12, 20], w: [8, 32, 3, 3], padding: [1, 1] },
  'in-place panels, 72 output channels': { x: [1, 4, 10, 18], w: [72, 4, 3, 3], padding: [1, 1] },
  'in-place panels, dilation 2': { x: [1, 3, 16, 24], w: [4, 3, 3, 3], padding: [2, 2], dilation: [2, 2] },
  // Border panels packed by vector loads (unit steps, two rows a panel): 7-wide rows, 5x5 taps
  // reaching two past each edge; and 3-wide rows (three rows a panel: element by element).
  'two-row border panels, 5x5, pad 2': { x: [2, 2, 9, 7], w: [3, 2, 5, 5], padding: [2, 2] },
  'three-row panels, width 3': { x: [2, 3, 5, 3], w: [4, 3, 3, 3], padding: [1, 1] },
};

function outSize(c: Case): [number, number] {
  if (c.out) return c.out;
  const [s, p, d] = [c.stride ?? [1, 1], c.padding ?? [0, 0], c.dilation ?? [1, 1]];
  const o = (i: number) => Math.floor((c.x[2 + i] + 2 * p[i] - d[i] * (c.w[2 + i] - 1) - 1) / s[i]) + 1;
  return [o(0), o(1)];
}

/** y = conv(x, w) + b, dx = conv^T(dy, w), dw = weight gradient, read back. */
function run(be: Backend, c: Case): Float32Array[] {
  const p: Conv2dParams = {
    stride: c.stride ?? [1, 1],
    padding: c.padding ?? [0, 0],
    dilation: c.dilation ?? [1, 1],
    groups: c.groups ?? 1,
  };
  const [N, , H, W] = c.x;
  const O = c.w[0];
  const yShape = [N, O, ...outSize(c)];
  const x = upload(be, randomData(size(c.x), 13), c.x);
  const w = upload(be, randomData(size(c.w), 14), c.w);
  const b = upload(be, randomData(O, 15), [O]);
  const dy = upload(be, randomData(size(yShape), 16), yShape);
  const y = empty(be, yShape);
  const dx = empty(be, [N, c.x[1], H, W]);
  const dw = empty(be, c.w);
  be.fused.conv2d!(x, w, b, y, p);
  be.fused.conv2dInputGrad!(dy, w, dx, p);
  be.fused.conv2dWeightGrad!(x, dy, dw, p);
  const out = [y, dx, dw].map((v: View) => download(be, v) as Float32Array);
  for (const v of [x, w, b, dy, y, dx, dw]) be.release(v.buffer);
  return out;
}

for (const threads of [1, 2]) {
  describe(`wasm conv2d kernels, ${threads} thread(s)`, () => {
    let be: Backend;
    let cpu: Backend;
    beforeAll(async () => {
      be = await createWasmBackend({ threads });
      cpu = await createCpuBackend();
    });
    afterAll(() => be.destroy?.());

    it.each(Object.entries(CASES))('%s: forward, input and weight gradients match', (_name, c) => {
      const got = run(be, c);
      const want = run(cpu, c);
      // float32 sums of up to ~4k products of values in [-1, 1) against float64 ones.
      for (let i = 0; i < 3; i++) expectClose(got[i], want[i], 1e-5, 2e-5);
    });
  });
}
