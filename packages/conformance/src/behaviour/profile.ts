/** core's profile(): per-kernel calls and bytes on every backend, derived from the ops' shapes. */
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { check, type SuiteContext } from './context.js';

export function profileBehaviour(ctx: SuiteContext): void {
  describe('profile', () => {
    const c = (title: string, fn: () => Promise<void> | void) => check(ctx, 'profile', title, fn);
    const row = (r: L.ProfileReport, name: string) => r.byKernel.find((k) => k.name === name);

    c('counts one broadcast add as one binary kernel and its distinct bytes', async () => {
      const a = L.rand([2, 3]);
      const b = L.rand([3]);
      const { result, report } = await L.profile(async () => a.add(b).data());
      expect(result.length).toBe(6);
      expect(report.backend).toBe(ctx.backend().name);
      expect(report.kernels).toBe(1);
      // a: 6 floats, b broadcast over rows: its 3 floats once, out: 6 floats.
      expect(row(report, 'binary:add')).toMatchObject({ calls: 1, bytes: (6 + 3 + 6) * 4 });
      expect(row(report, 'read')).toMatchObject({ calls: 1, bytes: 6 * 4 });
      expect(report.bytes).toBe(60);
    });

    c('names unary and binary rows by op and counts matmul bytes', async () => {
      const x = L.rand([4, 5]);
      const w = L.rand([5, 3]);
      const { report } = await L.profile(() => {
        const y = x.matmul(w).relu();
        return y.mul(y).sum();
      });
      expect(row(report, 'matmul')).toMatchObject({ calls: 1, bytes: (20 + 15 + 12) * 4 });
      expect(row(report, 'unary:relu')?.calls).toBe(1);
      expect(row(report, 'binary:mul')?.calls).toBe(1);
      expect(row(report, 'reduce:sum')?.calls).toBe(1);
      expect(report.kernels).toBe(
        report.byKernel.reduce((s, r) => s + (r.name === 'read' || r.name === 'write' ? 0 : r.calls), 0),
      );
      expect(report.table()).toMatch(/matmul/);
    });

    c('reports device time per kernel where the backend can time its device', async () => {
      const x = L.rand([64, 64]);
      const { report } = await L.profile(() => x.matmul(x).tanh().data());
      const timed = ctx.backend().profiling !== undefined && report.byKernel.some((r) => r.deviceMs !== null);
      if (!timed) {
        expect(report.byKernel.every((r) => r.deviceMs === null)).toBe(true);
        return;
      }
      // Every compute launch ran on the device, so each row got some of its time.
      for (const name of ['matmul', 'unary:tanh']) expect(row(report, name)?.deviceMs).toBeGreaterThan(0);
      expect(report.table()).toMatch(/device ms/);
    });

    c('counts fused kernels only where the backend has them', async () => {
      const x = L.rand([3, 7]);
      const { report } = await L.profile(() => L.F.softmax(x, -1));
      const fused = ctx.backend().fused.softmax ? 1 : 0;
      expect(report.fusedKernels).toBe(fused);
      expect(row(report, 'fused:softmax')?.calls ?? 0).toBe(fused);
      if (!fused) expect(report.kernels).toBeGreaterThan(1);
    });

    c('counts the ops fused into expression kernels, one row per program', async () => {
      const x = L.rand([4, 5]);
      const { report } = await L.profile(() => L.F.gelu(x).data());
      const gelu = row(report, 'fused:expression:gelu');
      if (!ctx.backend().fused.expression) {
        expect(gelu).toBeUndefined();
        expect(report.fusedOps).toBe(0);
        return;
      }
      // gelu = (x * 0.5) * (erf(x * 1/sqrt 2) + 1): mul, mul, erf, add, mul in one launch.
      expect(gelu).toMatchObject({ calls: 1, fusedOps: 5, bytes: 2 * 20 * 4 });
      expect(report.fusedOps).toBe(5);
      expect(report.kernels).toBe(1);
      expect(report.table()).toMatch(/fused ops/);
    });

    c('puts the kernels back, also when fn throws, and refuses to nest', async () => {
      const be = ctx.backend();
      const binary = be.binary;
      const read = be.read;
      await expect(
        L.profile(() => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(be.binary).toBe(binary);
      expect(be.read).toBe(read);
      await L.profile(async () => {
        await expect(L.profile(() => 1)).rejects.toThrow(/profile: .*cannot nest/);
      });
      expect(be.binary).toBe(binary);
    });
  });
}
