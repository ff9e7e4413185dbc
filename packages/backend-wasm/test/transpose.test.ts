import type { Backend, View } from '@layers/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend } from '../src/index.js';
import { download, empty, upload } from './helpers.js';

/**
 * Copies that transpose their last two dims take assembly/transpose.ts's blocked kernel
 * (dispatch.ts picks it for 4-byte elements, rank 2 or 3 after coalescing, at least 4,096
 * elements). Expected values from the index map itself: out[b][i][j] = x[b][j][i].
 * Sizes cover rows and columns that are not multiples of the 4x4 block or the 16-row item.
 */
const SHAPES: [number, number, number][] = [
  [1, 64, 64],
  [3, 37, 45],
  [2, 513, 7],
  [64, 32, 17],
  [1, 6, 1000],
];

for (const threads of [1, 2]) {
  describe(`wasm transposed copy, ${threads} thread(s)`, () => {
    let be: Backend;
    beforeAll(async () => {
      be = await createWasmBackend({ threads });
    });
    afterAll(() => be.destroy?.());

    it.each(SHAPES)('[%i, %i, %i] float32 and int32', (B, R, C) => {
      for (const dtype of ['float32', 'int32'] as const) {
        // x holds [B][C][R]; out [B][R][C] reads it through strides [R*C, 1, R].
        const n = B * R * C;
        const data =
          dtype === 'float32'
            ? Float32Array.from({ length: n }, (_, k) => k + 0.5)
            : Int32Array.from({ length: n }, (_, k) => k - 7);
        const x = upload(be, data, [B, C, R], dtype);
        const xt: View = { ...x, shape: [B, R, C], strides: [R * C, 1, R] };
        const out = empty(be, [B, R, C], dtype);
        be.copy(xt, out);
        const got = download(be, out);
        const want = new (dtype === 'float32' ? Float32Array : Int32Array)(n);
        for (let b = 0; b < B; b++)
          for (let i = 0; i < R; i++)
            for (let j = 0; j < C; j++) want[(b * R + i) * C + j] = data[(b * C + j) * R + i];
        expect(Array.from(got)).toEqual(Array.from(want));
        be.release(x.buffer);
        be.release(out.buffer);
      }
    });
  });
}
