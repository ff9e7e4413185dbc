/** Readback paths: data, toArray, item, dataSync/arraySync (or their clear error). */
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { check, type SuiteContext } from './context.js';

export function readbackBehaviour(ctx: SuiteContext): void {
  describe('readback', () => {
    const c = (title: string, fn: () => Promise<void> | void) => check(ctx, 'readback', title, fn);

    c('data returns a typed array of the dtype in logical order', async () => {
      const f = L.tensor([1.5, -2, 3], { shape: [3] });
      const d = await f.data();
      expect(d).toBeInstanceOf(Float32Array);
      expect(Array.from(d)).toEqual([1.5, -2, 3]);
      const i = await L.tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { dtype: 'int32' },
      )
        .transpose(0, 1)
        .data();
      expect(i).toBeInstanceOf(Int32Array);
      expect(Array.from(i)).toEqual([1, 4, 2, 5, 3, 6]);
      const b = await L.tensor([true, false, true]).data();
      expect(b).toBeInstanceOf(Uint8Array);
      expect(Array.from(b)).toEqual([1, 0, 1]);
    });

    c('toArray nests by shape; bool as booleans; 0-d as a number', async () => {
      expect(
        await L.tensor([
          [1, 2],
          [3, 4],
        ]).toArray(),
      ).toEqual([
        [1, 2],
        [3, 4],
      ]);
      expect(await L.tensor([[true], [false]]).toArray()).toEqual([[true], [false]]);
      expect(await L.tensor(2.5).toArray()).toEqual(2.5);
      expect(await L.zeros([2, 0]).toArray()).toEqual([[], []]);
      expect(await L.tensor(7, { dtype: 'int32' }).item()).toBe(7);
    });

    c('dataSync either works or asks for await t.data()', async () => {
      const t = L.tensor([1, 2, 3]).mul(2);
      let sync: number[] | null = null;
      try {
        sync = Array.from(t.dataSync());
      } catch (e) {
        expect(String((e as Error).message)).toContain('await t.data()');
      }
      if (sync) {
        expect(sync).toEqual([2, 4, 6]);
        expect(t.arraySync()).toEqual([2, 4, 6]);
      }
      expect(Array.from(await t.data())).toEqual([2, 4, 6]);
    });

    c('readback after many queued kernels sees all of them', async () => {
      let t = L.zeros([64]);
      for (let i = 0; i < 50; i++) t = t.add(1);
      const d = await t.data();
      expect(d.every((v) => v === 50)).toBe(true);
    });
  });
}
