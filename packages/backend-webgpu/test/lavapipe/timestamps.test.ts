import * as L from '@layers/core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../helpers.js';

// SwiftShader has no timestamp-query, so src/timestamps.ts is only exercised here.
describe('lavapipe: profiler GPU timestamps', () => {
  const be = useBackend();

  it('reports positive device time per kernel, summing to no more than the wall time', async () => {
    expect(be().device.features.has('timestamp-query')).toBe(true);
    L.manualSeed(1);
    const x = L.randn([256, 256]);
    const w = L.randn([256, 256]);
    await x.data();
    await w.data();
    const { report } = await L.profile(async () => {
      let y = x;
      for (let i = 0; i < 4; i++) y = y.matmul(w).relu().mul(0.05);
      return y.sum().data();
    });
    const kernels = report.byKernel.filter((r) => r.name !== 'read' && r.name !== 'write');
    expect(kernels.map((r) => r.name)).toEqual(
      expect.arrayContaining(['matmul', 'unary:relu', 'reduce:sum']),
    );
    for (const r of kernels) {
      expect(r.deviceMs, r.name).not.toBeNull();
      expect(r.deviceMs as number, r.name).toBeGreaterThan(0);
    }
    const matmul = kernels.find((r) => r.name === 'matmul');
    expect(matmul?.calls).toBe(4);
    // Device work runs inside the profiled call, one pass at a time (a CPU driver runs
    // passes in submission order): the kernels' device time cannot exceed the wall time.
    // Four 256^3 matmuls are by far the heaviest work, so they dominate the device time.
    const total = kernels.reduce((s, r) => s + (r.deviceMs as number), 0);
    expect(total).toBeLessThanOrEqual(report.wallMs);
    expect(matmul?.deviceMs as number).toBeGreaterThan(total / 2);
  });
});
