/** The scatter / advanced-indexing ops: errors name the op and the numbers, on sync and async devices. */
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { check, expectThrows, type SuiteContext, values } from './context.js';
import { expectIndexError } from './faults.js';

const int = (v: L.NestedArray): L.Tensor => L.tensor(v, { dtype: 'int32' });

export function indexOpsBehaviour(ctx: SuiteContext): void {
  describe('index-ops', () => {
    const c = (title: string, fn: () => Promise<void> | void) => check(ctx, 'index-ops', title, fn);

    c('an index out of range names the op, the index and the size', async () => {
      const x = L.zeros([4, 3]);
      await expectIndexError(
        () => x.scatter(0, int([[0, 4, 1]]), L.ones([1, 3])),
        'scatter: index 4 is out of bounds for dimension with size 4',
      );
      await expectIndexError(
        () => x.scatterReduce(1, int([[0], [3], [1], [2]]), L.ones([4, 1]), 'amax'),
        'scatterReduce: index 3 is out of bounds for dimension with size 3',
      );
      await expectIndexError(
        () => x.indexAdd(0, int([1, 5]), L.ones([2, 3])),
        'indexAdd: index 5 is out of bounds for dimension 0 with size 4',
      );
      await expectIndexError(
        () => L.indexCopy(x, 1, int([-1]), L.ones([4, 1])),
        'indexCopy: index -1 is out of bounds for dimension 1 with size 3',
      );
      await expectIndexError(
        () => x.indexFill(-1, int([3]), 1),
        'indexFill: index 3 is out of bounds for dimension 1',
      );
      await expectIndexError(
        () => x.indexPut([int([0, -5])], 1),
        'indexPut: index -5 is out of bounds for dimension 0 with size 4',
      );
      await expectIndexError(
        () => x.take(int([12])),
        'take: index 12 is out of bounds for a tensor with size 12',
      );
      await expectIndexError(
        () => x.take(int([-13])),
        'take: index -13 is out of bounds for a tensor with size 12',
      );
      await expectIndexError(
        () => L.takeAlongDim(x, int([[3]]), 1),
        'takeAlongDim: index 3 is out of bounds for dimension 1 with size 3',
      );
      await expectIndexError(
        () => x.maskedScatter(L.ones([4, 3]).gt(0), L.ones([11])),
        'maskedScatter: the mask has more true elements than source has elements (11)',
      );
    });

    c('mismatched shapes and dtypes are clear errors', () => {
      const x = L.zeros([4, 3]);
      expectThrows(() => x.scatter(0, int([0, 1]), L.ones([2])), 'scatter', 'same number of dimensions');
      expectThrows(
        () => x.scatter(0, int([[0, 1, 2, 0]]), L.ones([1, 4])),
        'scatter',
        'index [1, 4]',
        'input [4, 3]',
      );
      expectThrows(() => x.scatter(0, L.zeros([1, 3]), L.ones([1, 3])), 'scatter', 'int32', 'float32');
      expectThrows(
        () => x.scatter(0, int([[0]]), L.ones([1, 1], { dtype: 'int32' })),
        'scatter',
        'float32',
        'int32',
      );
      expectThrows(
        () => x.scatterReduce(0, int([[0]]), L.ones([1, 1]), 'max' as L.ScatterReduce),
        'scatterReduce',
        "'max'",
      );
      expectThrows(() => x.indexAdd(0, int([0, 1]), L.ones([3, 3])), 'indexAdd', '[3, 3]', 'size 2');
      expectThrows(() => x.indexAdd(0, int([[0]]), L.ones([1, 3])), 'indexAdd', '1-D', '2-D');
      expectThrows(() => x.indexPut([int([0]), int([0]), int([0])], 1), 'indexPut', '1 to 2', 'got 3');
      expectThrows(() => x.indexPut([L.zeros([1])], 1), 'indexPut', 'int32', 'float32');
      expectThrows(() => x.indexPut([int([0, 1])], L.ones([3, 3])), 'indexPut');
      expectThrows(() => x.maskedScatter(L.ones([4, 3]), L.ones([12])), 'maskedScatter', 'bool', 'float32');
      expectThrows(() => x.maskedScatter(L.ones([2, 3]).gt(0), L.ones([12])), 'maskedScatter');
      expectThrows(() => L.takeAlongDim(x, int([0]), 0), 'takeAlongDim', '2 and 1');
    });

    c('nonzero and maskedSelect size their result from the data', async () => {
      const x = L.tensor([
        [0, 2, 0],
        [3, 0, 4],
      ]);
      const nz = (await x.nonzero()) as L.Tensor;
      expect(nz.shape).toEqual([3, 2]);
      expect(await values(nz)).toEqual([0, 1, 1, 0, 1, 2]);
      const [rows, cols] = await L.nonzero(x, { asTuple: true });
      expect(await values(rows)).toEqual([0, 1, 1]);
      expect(await values(cols)).toEqual([1, 0, 2]);
      const sel = await x.maskedSelect(x.gt(2.5));
      expect(await values(sel)).toEqual([3, 4]);
    });
  });
}
