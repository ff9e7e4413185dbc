import * as L from '@layers/core';
import { fromFloat16Bits, toFloat16Bits } from '@layers/core';
import { describe, expect, it } from 'vitest';
import { MATMUL_VARIANTS } from '../../src/ops/gemm.js';
import { empty, read, seq, tensor, useBackend } from '../helpers.js';

/** float16 bits of `n` pseudo-random values, and the values they hold. */
function halfValues(n: number, seed: number): { bits: number[]; values: number[] } {
  const bits = seq(n, seed).map(toFloat16Bits);
  return { bits, values: bits.map(fromFloat16Bits) };
}

/** Spacing of float16 values at magnitude `x` (2^-24 below the normal range). */
function ulp16(x: number): number {
  const a = Math.abs(x);
  return a < 2 ** -14 ? 2 ** -24 : 2 ** (Math.floor(Math.log2(a)) - 10);
}

describe('lavapipe: adapter', () => {
  const be = useBackend();
  it('has shader-f16 and lists matmul, reduce and expression as native float16 kernels', () => {
    expect(be().device.features.has('shader-f16')).toBe(true);
    expect([...be().float16Kernels]).toEqual(['matmul', 'reduce', 'expression']);
  });
});

describe('lavapipe: native float16 matmul', () => {
  const be = useBackend();
  const [B, M, K, N] = [2, 37, 300, 29];

  // Expected: the exact (float64) product of the float16 inputs. The kernel's products are
  // exact in f32 (11-bit mantissas), its f32 sum is within K * 2^-24 * sum|a*b| of exact, and
  // the one rounding to float16 adds half an ulp of the (perturbed) result.
  it.each(MATMUL_VARIANTS)('%s reads f16, accumulates in f32 and rounds once', async (variant) => {
    const a = halfValues(B * M * K, 3);
    const b = halfValues(B * K * N, 5);
    const av = tensor(be(), 'float16', [B, M, K], a.bits);
    const bv = tensor(be(), 'float16', [B, K, N], b.bits);
    const out = empty(be(), 'float16', [B, M, N]);
    be().gemmOverride = variant;
    try {
      be().matmul(av, bv, out);
    } finally {
      be().gemmOverride = null;
    }
    const got = (await read(be(), out)).map(fromFloat16Bits);
    for (let g = 0; g < B; g++) {
      for (let m = 0; m < M; m++) {
        for (let n = 0; n < N; n++) {
          let exact = 0;
          let mag = 0;
          for (let k = 0; k < K; k++) {
            const p = a.values[(g * M + m) * K + k] * b.values[(g * K + k) * N + n];
            exact += p;
            mag += Math.abs(p);
          }
          const err = K * 2 ** -24 * mag;
          const bound = ulp16(Math.abs(exact) + err) / 2 + err;
          const v = got[(g * M + m) * N + n];
          if (!(Math.abs(v - exact) <= bound)) {
            throw new Error(`${variant} [${g},${m},${n}]: got ${v}, exact ${exact}, bound ${bound}`);
          }
        }
      }
    }
  });

  it.each(['naive', 't:small', 'd:d4x4', 'd:d4x4:s'])(
    '%s sums 4096 ones to 4096 (f32, not f16, accumulation)',
    async (variant) => {
      // A float16 accumulator stops at 2048 (2048 + 1 rounds back to 2048).
      const one = toFloat16Bits(1);
      const av = tensor(be(), 'float16', [1, 2, 4096], new Array(2 * 4096).fill(one));
      const bv = tensor(be(), 'float16', [1, 4096, 3], new Array(4096 * 3).fill(one));
      const out = empty(be(), 'float16', [1, 2, 3]);
      be().gemmOverride = variant;
      try {
        be().matmul(av, bv, out);
      } finally {
        be().gemmOverride = null;
      }
      expect((await read(be(), out)).map(fromFloat16Bits)).toEqual(new Array(6).fill(4096));
    },
  );

  it('core hands float16 views straight to matmul (no widening copies); bfloat16 still widens', async () => {
    L.manualSeed(7);
    const a = L.randn([64, 48]);
    const b = L.randn([48, 40]);
    const ah = a.to('float16');
    const bh = b.to('float16');
    const { result, report } = await L.profile(() => ah.matmul(bh));
    const names = report.byKernel.map((r) => r.name);
    expect(names).toEqual(['matmul']);
    expect(result.dtype).toBe('float16');
    const ab = a.to('bfloat16');
    const bb = b.to('bfloat16');
    const emulated = await L.profile(() => ab.matmul(bb));
    // Two operands widened, one result narrowed.
    expect(emulated.report.byKernel.find((r) => r.name === 'copy')?.calls).toBe(3);
  });
});

describe('lavapipe: native float16 expression kernel', () => {
  useBackend();

  it('loads float16 into f32, computes in f32 and rounds each result once (no widening copies)', async () => {
    const x = halfValues(1001, 11);
    const xh = L.tensor(x.values, { dtype: 'float16' });
    const { result, report } = await L.profile(() => L.nn.functional.softsign(xh));
    expect(report.byKernel.map((r) => r.name)).toEqual(['fused:expression:softsign']);
    expect(result.dtype).toBe('float16');
    const got = Array.from(await result.to('float32').data());
    // Exact softsign of each float16 input; f32's division and add are within 2^-23 of it
    // relatively, then one rounding to float16 adds half an ulp.
    got.forEach((v, i) => {
      const exact = x.values[i] / (Math.abs(x.values[i]) + 1);
      const err = 2 ** -23 * Math.abs(exact);
      const bound = ulp16(Math.abs(exact) + err) / 2 + err;
      if (!(Math.abs(v - exact) <= bound))
        throw new Error(`[${i}] softsign(${x.values[i]}): got ${v}, exact ${exact}`);
    });
  });
});

describe('lavapipe: native float16 reductions', () => {
  useBackend();

  it('sum accumulates in f32 (4096 ones give 4096) with no widening copies', async () => {
    // A float16 accumulator stops at 2048.
    const x = L.ones([3, 4096], { dtype: 'float16' });
    const { result, report } = await L.profile(() => x.sum(1));
    expect(report.byKernel.map((r) => r.name)).toEqual(['reduce:sum']);
    expect(Array.from(await result.to('float32').data())).toEqual([4096, 4096, 4096]);
  });

  it('two-pass rows keep float32 partials', async () => {
    // Rows of 16384 split into 64 chunks of 256: even chunks hold 255 ones and 2^-9 (sum
    // 255 + 2^-9, which float16 rounds to 255), odd ones 255 minus ones. The exact sum,
    // 32 * 2^-9 = 0.0625, survives only if the partials are not rounded to float16.
    const row = new Array(16384).fill(0).map((_, i) => {
      const chunk = Math.floor(i / 256);
      if (i % 256 === 255) return chunk % 2 === 0 ? 2 ** -9 : 0;
      return chunk % 2 === 0 ? 1 : -1;
    });
    const x = L.tensor([...row, ...row], { dtype: 'float16' }).reshape([2, 16384]);
    expect(Array.from(await x.sum(1).to('float32').data())).toEqual([0.0625, 0.0625]);
  });

  it('max, min and argmax read float16 exactly', async () => {
    const v = halfValues(300, 17);
    const x = L.tensor(v.values, { dtype: 'float16' }).reshape([3, 100]);
    const rows = [0, 1, 2].map((r) => v.values.slice(r * 100, r * 100 + 100));
    expect(Array.from(await x.max(1).to('float32').data())).toEqual(rows.map((r) => Math.max(...r)));
    expect(Array.from(await x.min(1).to('float32').data())).toEqual(rows.map((r) => Math.min(...r)));
    expect(Array.from(await x.argmax(1).data())).toEqual(rows.map((r) => r.indexOf(Math.max(...r))));
  });
});
