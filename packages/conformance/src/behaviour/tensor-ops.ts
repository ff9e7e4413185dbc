/** The second-round tensor ops: their errors name the op and the numbers; methods match functions. */
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { check, expectThrows, type SuiteContext } from './context.js';

export function tensorOpsBehaviour(ctx: SuiteContext): void {
  describe('tensor-ops', () => {
    const c = (title: string, fn: () => Promise<void> | void) => check(ctx, 'tensor-ops', title, fn);

    c('bad arguments get errors that name the op and the numbers', () => {
      const x = L.rand([2, 3, 4]);
      expectThrows(() => x.repeat([2, 2]), 'repeat', '(2)', '(3)');
      expectThrows(() => L.movedim(x, [0, 1], [2]), 'movedim', 'same number of dims');
      expectThrows(() => L.movedim(x, [0, 0], [1, 2]), 'movedim', 'repeated');
      expectThrows(() => L.diagonal(x, { dim1: 1, dim2: -2 }), 'diagonal', 'identical');
      expectThrows(() => L.tensorSplit(x, 0, 1), 'tensorSplit', 'larger than 0', '0');
      expectThrows(() => L.trace(x), 'trace', '3-D');
      expectThrows(() => L.roll(x, [1, 2], [0]), 'roll', '2 shifts', '1 dims');
      expectThrows(() => L.tril(L.rand([4])), 'tril', 'at least 2 dimensions');
      expectThrows(() => x.cumsum(3), 'cumsum', 'dimension out of range', '3');
      expectThrows(() => L.dot(L.rand([3]), L.rand([4])), 'dot', '[3]', '[4]');
      expectThrows(() => L.repeatInterleave(x, [1, 2], 1), 'repeatInterleave', '2 vs 3');
      expectThrows(() => L.logcumsumexp(L.tensor([1, 2], { dtype: 'int32' }), 0), 'logcumsumexp', 'int32');
      expectThrows(() => L.rand([3, 5]).topk(7), 'topk', 'k (7)', 'size 5');
      expectThrows(() => L.kthvalue(L.rand([4]), 0), 'kthvalue', 'k (0)', 'size 4');
      expectThrows(() => L.median(L.zeros([0])), 'median', 'empty');
      expectThrows(() => L.searchsorted(L.rand([2, 4]), L.rand([3, 2])), 'searchsorted', '[2, 4]', '[3, 2]');
      expectThrows(() => L.bucketize(L.rand([3]), L.rand([2, 2])), 'bucketize', '1-D');
      expectThrows(() => L.einsum('ij,jk->ik', L.rand([2, 3]), L.rand([4, 5])), 'einsum', "'j'", '3', '4');
      expectThrows(() => L.einsum('ij,jk', L.rand([2, 3])), 'einsum', '2 operand subscripts', '1 operands');
      expectThrows(() => L.einsum('ijk->i', L.rand([2, 3])), 'einsum', "'ijk'", '3 dims', 'has 2');
      expectThrows(() => L.einsum('ij->iz', L.rand([2, 3])), 'einsum', "'z'");
      expectThrows(() => L.linalg.matrixNorm(L.rand([3, 3]), 2), 'matrixNorm', 'ord 2');
    });

    c('sort is stable over ties and puts NaN last, padding never leaks', async () => {
      // 6 elements pad to 8: the padding must stay out of the result.
      const x = L.tensor([2, Number.NaN, 1, 2, Number.NEGATIVE_INFINITY, 1]);
      const { values, indices } = x.sort();
      expect(Array.from(await indices.data())).toEqual([4, 2, 5, 0, 3, 1]);
      expect(Array.from(await values.data()).slice(0, 5)).toEqual([Number.NEGATIVE_INFINITY, 1, 1, 2, 2]);
      const d = x.sort({ descending: true });
      expect(Array.from(await d.indices.data())).toEqual([1, 0, 3, 2, 5, 4]);
    });

    c('cummax indices are int32 and point at the values', async () => {
      const x = L.tensor([1, 3, 3, 2, Number.NaN, 5]);
      const { values, indices } = x.cummax(0);
      expect(indices.dtype).toBe('int32');
      expect(Array.from(await indices.data())).toEqual([0, 1, 2, 2, 4, 4]);
      const v = Array.from(await values.data());
      expect(v.slice(0, 4)).toEqual([1, 3, 3, 3]);
      expect(v.slice(4).every(Number.isNaN)).toBe(true);
    });
  });
}
