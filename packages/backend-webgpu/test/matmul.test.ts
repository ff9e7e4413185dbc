import { afterAll, beforeAll, describe, it } from 'vitest';
import type { WebGPUBackend } from '../src/index.js';
import { CONV_VARIANTS } from '../src/ops/conv.js';
import { MATMUL_VARIANTS } from '../src/ops/gemm.js';
import { empty, expectClose, f32, makeBackend, read, seq, tensor, view } from './helpers.js';

let be: WebGPUBackend;
beforeAll(async () => {
  be = await makeBackend();
});
afterAll(() => be?.destroy());

/** C[b] = A[b] @ B[b] in float64 with element accessors (so views can be anything). */
function refMatmul(
  B: number,
  M: number,
  K: number,
  N: number,
  a: (b: number, m: number, k: number) => number,
  bm: (b: number, k: number, n: number) => number,
): number[] {
  const out: number[] = [];
  for (let b = 0; b < B; b++)
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a(b, m, k) * bm(b, k, n);
        out.push(s);
      }
  return out;
}

describe('matmul', () => {
  // Tiled path with edges on every side, the naive path, and a K that is not a multiple of 16.
  const cases: [number, number, number, number][] = [
    [1, 3, 5, 7],
    [2, 70, 33, 65],
    [1, 128, 17, 64],
    [3, 1, 40, 9],
  ];
  for (const [B, M, K, N] of cases) {
    it(`contiguous [${B},${M},${K}] @ [${B},${K},${N}]`, async () => {
      const av = seq(B * M * K, 1).map(f32);
      const bv = seq(B * K * N, 2).map(f32);
      const a = tensor(be, 'float32', [B, M, K], av);
      const b = tensor(be, 'float32', [B, K, N], bv);
      const out = empty(be, 'float32', [B, M, N]);
      be.matmul(a, b, out);
      const exp = refMatmul(
        B,
        M,
        K,
        N,
        (i, m, k) => av[(i * M + m) * K + k],
        (i, k, n) => bv[(i * K + k) * N + n],
      );
      expectClose(await read(be, out), exp, 1e-4, 1e-4);
    });
  }
  it('transposed A, broadcast B (batch stride 0), view offsets', async () => {
    const B = 2;
    const M = 67;
    const K = 21;
    const N = 66;
    // A stored as [B, K, M] and viewed as [B, M, K]; B stored once at offset 5, shared by batches.
    const av = seq(B * K * M, 3).map(f32);
    const bv = seq(5 + K * N, 4).map(f32);
    const a = tensor(be, 'float32', [B, K, M], av);
    const bb = tensor(be, 'float32', [5 + K * N], bv);
    const out = empty(be, 'float32', [B, M, N]);
    be.matmul(view(a, [B, M, K], [K * M, 1, M]), view(bb, [B, K, N], [0, N, 1], 5), out);
    const exp = refMatmul(
      B,
      M,
      K,
      N,
      (i, m, k) => av[i * K * M + k * M + m],
      (_i, k, n) => bv[5 + k * N + n],
    );
    expectClose(await read(be, out), exp, 1e-4, 1e-4);
  });
  // Every variant (tiles, direct blocks, split-K) with every load layout, sizes that leave
  // partial blocks on every edge and a K that is not a multiple of any BK; then a skinny
  // product with a long K, where the ':s' variants really split K.
  const shapes: [number, number, number, number][] = [
    [2, 131, 37, 133],
    [2, 20, 1500, 30],
  ];
  for (const [B, M, K, N] of shapes) {
    for (const name of MATMUL_VARIANTS) {
      for (const aT of [false, true]) {
        for (const bT of [false, true]) {
          it(`${B}x${M}x${K}x${N} variant ${name}, A ${aT ? 'transposed' : 'row-major'}, B ${bT ? 'transposed' : 'row-major'}`, async () => {
            const av = seq(B * M * K, 8).map(f32);
            const bv = seq(B * K * N, 9).map(f32);
            const a = tensor(be, 'float32', [B * M * K], av);
            const b = tensor(be, 'float32', [B * K * N], bv);
            // Element (i, m, k) of A at i*M*K + (aT ? k*M + m : m*K + k); likewise B.
            const aView = view(a, [B, M, K], aT ? [M * K, 1, M] : [M * K, K, 1]);
            const bView = view(b, [B, K, N], bT ? [K * N, 1, K] : [K * N, N, 1]);
            const out = empty(be, 'float32', [B, M, N]);
            be.gemmOverride = name;
            try {
              be.matmul(aView, bView, out);
            } finally {
              be.gemmOverride = null;
            }
            const exp = refMatmul(
              B,
              M,
              K,
              N,
              (i, m, k) => av[i * M * K + (aT ? k * M + m : m * K + k)],
              (i, k, n) => bv[i * K * N + (bT ? n * K + k : k * N + n)],
            );
            // float32 accumulation over K terms: the bound grows with K.
            const tol = K > 1000 ? 1e-3 : 1e-4;
            expectClose(await read(be, out), exp, tol, tol);
          });
        }
      }
    }
  }
  it('K = 0 gives zeros', async () => {
    const a = empty(be, 'float32', [1, 2, 0]);
    const b = empty(be, 'float32', [1, 0, 3]);
    const out = empty(be, 'float32', [1, 2, 3]);
    be.matmul(a, b, out);
    expectClose(await read(be, out), [0, 0, 0, 0, 0, 0]);
  });
});

function refConv(
  x: number[],
  w: number[],
  bias: number[] | null,
  [N, C, H, W]: number[],
  [O, Cg, KH, KW]: number[],
  stride: [number, number],
  dil: [number, number],
  groups: number,
): { out: number[]; OH: number; OW: number } {
  const OH = Math.floor((H - dil[0] * (KH - 1) - 1) / stride[0]) + 1;
  const OW = Math.floor((W - dil[1] * (KW - 1) - 1) / stride[1]) + 1;
  const Og = O / groups;
  const out: number[] = [];
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let s = bias ? bias[o] : 0;
          const g = Math.floor(o / Og);
          for (let c = 0; c < Cg; c++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const ih = oh * stride[0] + kh * dil[0];
                const iw = ow * stride[1] + kw * dil[1];
                s += x[((n * C + g * Cg + c) * H + ih) * W + iw] * w[((o * Cg + c) * KH + kh) * KW + kw];
              }
          out.push(s);
        }
  return { out, OH, OW };
}

describe('conv2d (implicit GEMM)', () => {
  const cases = [
    { x: [2, 3, 7, 6], w: [4, 3, 3, 3], stride: [1, 1], dil: [1, 1], groups: 1, bias: true },
    { x: [1, 4, 9, 8], w: [6, 2, 2, 3], stride: [2, 1], dil: [1, 2], groups: 2, bias: false },
    { x: [3, 8, 5, 5], w: [70, 8, 1, 1], stride: [1, 1], dil: [1, 1], groups: 1, bias: true },
    { x: [1, 6, 6, 6], w: [6, 1, 3, 3], stride: [1, 2], dil: [2, 1], groups: 6, bias: true },
  ] as const;
  const variants: (string | null)[] = [null, ...CONV_VARIANTS];
  for (const c of cases) {
    // Every case under every variant, and with the one the backend picks.
    for (const tile of variants) {
      it(`x ${c.x.join('x')} w ${c.w.join('x')} stride ${c.stride} dilation ${c.dil} groups ${c.groups}${tile ? ` tile ${tile}` : ''}`, async () => {
        const xs: number[] = [...c.x];
        const ws: number[] = [...c.w];
        const xv = seq(
          xs.reduce((a, b) => a * b),
          5,
        ).map(f32);
        const wv = seq(
          ws.reduce((a, b) => a * b),
          6,
        ).map(f32);
        const bv = c.bias ? seq(ws[0], 7).map(f32) : null;
        const { out: exp, OH, OW } = refConv(xv, wv, bv, xs, ws, [...c.stride], [...c.dil], c.groups);
        const x = tensor(be, 'float32', xs, xv);
        const w = tensor(be, 'float32', ws, wv);
        const bias = bv ? tensor(be, 'float32', [ws[0]], bv) : null;
        const out = empty(be, 'float32', [xs[0], ws[0], OH, OW]);
        be.gemmOverride = tile;
        try {
          be.fused.conv2d!(x, w, bias, out, {
            stride: [...c.stride],
            padding: [0, 0],
            dilation: [...c.dil],
            groups: c.groups,
          });
        } finally {
          be.gemmOverride = null;
        }
        expectClose(await read(be, out), exp, 1e-4, 1e-4);
      });
    }
  }
});
