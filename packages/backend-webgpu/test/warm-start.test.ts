/**
 * Warm start (ops/gemm.ts STARTER, Runtime.ready): a class's first matmul runs the
 * quick-to-compile starter while the chosen variant compiles in the background, and later
 * calls switch to it. Both give the exact product of small integers.
 */
import { describe, expect, it } from 'vitest';
import { createWebGPUBackend } from '../src/index.js';
import { empty, read, tensor } from './helpers.js';

const N = 256;

function ints(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s >>> 29) - 4; // -4..3: every partial sum is an exact float32 integer
  });
}

/** The pipeline keys the runtime has compiled (test introspection of a private map). */
function compiled(be: unknown): string[] {
  const rt = (be as { runtime: { pipelines: Map<string, unknown> } }).runtime;
  return [...rt.pipelines.keys()];
}

describe('warm start', () => {
  it('runs the starter first and compiles the chosen variant in the background; both give the exact product', async () => {
    const be = await createWebGPUBackend({ tuning: { autotune: false } });
    try {
      const av = ints(N * N, 1);
      const bv = ints(N * N, 2);
      const want: number[] = new Array(N * N).fill(0);
      for (let i = 0; i < N; i++)
        for (let k = 0; k < N; k++)
          for (let j = 0; j < N; j++) want[i * N + j] += av[i * N + k] * bv[k * N + j];
      const a = tensor(be, 'float32', [1, N, N], av);
      const b = tensor(be, 'float32', [1, N, N], bv);
      const run = async () => {
        const out = empty(be, 'float32', [1, N, N]);
        be.matmul(a, b, out);
        return read(be, out);
      };
      expect(await run()).toEqual(want);
      const first = compiled(be).filter((k) => k.includes('mm'));
      expect(first).toEqual([expect.stringMatching(/\|mmd\|d4x4$/)]);
      // The chosen variant compiles once the device is quiet; wait for a second pipeline.
      for (let i = 0; i < 600 && compiled(be).filter((k) => k.includes('mm')).length < 2; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await run()).toEqual(want);
      const later = compiled(be).filter((k) => k.includes('mm') && !first.includes(k));
      expect(later).toHaveLength(1);
    } finally {
      be.destroy();
    }
  });
});
