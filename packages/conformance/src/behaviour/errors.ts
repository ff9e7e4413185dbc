/** Error messages listed in api.md (shapes and dtypes named) and dtype promotion rules. */
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { check, expectThrows, type SuiteContext, values } from './context.js';

export function errorBehaviour(ctx: SuiteContext): void {
  describe('errors', () => {
    const c = (title: string, fn: () => Promise<void> | void) => check(ctx, 'errors', title, fn);

    c('matmul shape mismatch names both shapes', () => {
      expectThrows(
        () => L.ones([2, 3]).matmul(L.ones([4, 5])),
        'matmul: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5',
      );
    });

    c('broadcast failure names the op and both shapes', () => {
      expectThrows(() => L.ones([2, 3]).add(L.ones([4])), 'add: shapes [2, 3] and [4] cannot be broadcast');
      expectThrows(() => L.mul(L.ones([3]), L.ones([2, 2])), 'mul', '[3]', '[2, 2]');
    });

    c(
      'ops PyTorch refuses on mixed dtypes name both dtypes; float math promotes ints like PyTorch',
      async () => {
        expectThrows(
          () => L.tensor([[1, 2]], { dtype: 'int32' }).matmul(L.tensor([[1], [2]])),
          'matmul: expected both tensors to have the same dtype, got int32 and float32',
        );
        // torch.exp(torch.tensor([0, 1])) is a float tensor [1, e]: promotion, not an error.
        const e = L.tensor([0, 1], { dtype: 'int32' }).exp();
        expect(e.dtype).toBe('float32');
        const v = await e.data();
        expect(v[0]).toBe(1);
        expect(Math.abs(v[1] - Math.E)).toBeLessThan(1e-6);
      },
    );

    c('disposed tensors name the problem', () => {
      const t = L.ones([2]);
      t.dispose();
      expectThrows(() => t.mul(2), 'Tensor was disposed');
    });

    c('mixing backends names both', async () => {
      const other = await ctx.createBackend();
      try {
        const a = L.ones([2]);
        const b = L.ones([2], { backend: other });
        expectThrows(() => a.add(b), 'different backends');
      } finally {
        await other.destroy?.();
      }
    });

    c('reshape to an incompatible size names the shapes', () => {
      expectThrows(() => L.ones([2, 3]).reshape([4]), 'reshape', '[4]', '6');
    });

    c('out-of-range dims and indices are rejected', async () => {
      expectThrows(() => L.ones([2, 3]).sum(2), /dim|range/i);
      // Synchronous backends reject the index at once; asynchronous ones (no readSync) check it
      // on the device and reject the next readback, like CUDA's device-side asserts.
      let out: L.Tensor | null = null;
      try {
        out = L.gather(L.ones([2, 3]), 1, L.tensor([[3]], { dtype: 'int32' }));
      } catch (e) {
        expect(String(e)).toMatch(/gather: index 3 is out of bounds for dimension with size 3/);
        expect(L.getBackend().readSync).toBeDefined();
        return;
      }
      expect(L.getBackend().readSync).toBeUndefined();
      await expect(out.data()).rejects.toThrow(/gather: index 3 is out of bounds for dimension with size 3/);
      // The failed check is consumed: later readbacks work again.
      expect(Array.from(await L.ones([2]).data())).toEqual([1, 1]);
    });
  });

  describe('dtype promotion', () => {
    const c = (title: string, fn: () => Promise<void> | void) => check(ctx, 'dtypes', title, fn);
    const i32 = (v: number[]) => L.tensor(v, { dtype: 'int32' });
    const f32 = (v: number[]) => L.tensor(v);
    const b = (v: boolean[]) => L.tensor(v);

    c('creation defaults', () => {
      expect(L.tensor([1, 2]).dtype).toBe('float32');
      expect(L.tensor(new Int32Array([1])).dtype).toBe('int32');
      expect(L.tensor([true]).dtype).toBe('bool');
      expect(L.tensor(new Uint8Array([1])).dtype).toBe('bool');
      // PyTorch infers arange's dtype from its arguments (int64 there, int32 here).
      expect(L.arange(3).dtype).toBe('int32');
      expect(L.arange(0, 1, 0.5).dtype).toBe('float32');
    });

    c('int32 with float32 gives float32; bool with x gives x', async () => {
      expect(i32([1, 2]).add(f32([0.5, 0.5])).dtype).toBe('float32');
      expect(f32([0.5]).mul(i32([3])).dtype).toBe('float32');
      expect(b([true, false]).add(i32([1, 1])).dtype).toBe('int32');
      expect(b([true, false]).mul(f32([2, 2])).dtype).toBe('float32');
      expect(await values(b([true, false]).add(i32([1, 1])))).toEqual([2, 1]);
    });

    c('python-number operands: int keeps int32, fractional promotes', async () => {
      expect(i32([1, 2]).add(3).dtype).toBe('int32');
      expect(i32([1, 2]).mul(2.5).dtype).toBe('float32');
      expect(await values(i32([1, 2]).mul(2.5))).toEqual([2.5, 5]);
      expect(f32([1]).add(2).dtype).toBe('float32');
    });

    c('true division of int32 gives float32', async () => {
      const q = i32([7, -7]).div(i32([2, 2]));
      expect(q.dtype).toBe('float32');
      expect(await values(q)).toEqual([3.5, -3.5]);
    });

    c('comparisons and logical ops give bool; argmax gives int32', () => {
      expect(f32([1]).lt(2).dtype).toBe('bool');
      expect(i32([1]).eq(i32([1])).dtype).toBe('bool');
      expect(f32([1, 0]).logicalAnd(f32([1, 1])).dtype).toBe('bool');
      expect(f32([1, 3]).argmax().dtype).toBe('int32');
    });

    c('sum of int32 and bool is int32', async () => {
      expect(i32([1, 2]).sum().dtype).toBe('int32');
      const s = b([true, true, false]).sum();
      expect(s.dtype).toBe('int32');
      expect(await values(s)).toEqual([2]);
    });
  });
}
