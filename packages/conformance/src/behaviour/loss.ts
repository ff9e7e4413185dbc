/**
 * Loss behaviour beyond the nn-loss value fixtures: clear errors naming shapes and dtypes,
 * out-of-range classes, and PyTorch's buffer names on the loss modules.
 */
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { check, expectThrows, type SuiteContext } from './context.js';

const int = (v: number[]) => L.tensor(v, { dtype: 'int32' });

export function lossBehaviour(ctx: SuiteContext): void {
  describe('loss', () => {
    const c = (title: string, fn: () => Promise<void> | void) => check(ctx, 'loss', title, fn);

    c('target shape and dtype mismatches name both shapes', () => {
      const x = L.randn([4, 10]);
      expectThrows(
        () => L.F.crossEntropy(x, int([1, 2, 3])),
        'CrossEntropyLoss expected target of shape [4] for input of shape [4, 10], got [3]',
      );
      expectThrows(() => L.F.crossEntropy(x, L.rand([4, 9])), 'CrossEntropyLoss', '[4, 10]', '[4, 9]');
      expectThrows(
        () => L.F.crossEntropy(x, L.tensor([true, false, true, true])),
        'CrossEntropyLoss',
        'bool',
      );
      expectThrows(
        () => L.F.crossEntropy(int([1, 2]).reshape([1, 2]), int([1])),
        'expected a float input, got int32',
      );
      expectThrows(
        () => new L.nn.CrossEntropyLoss({ weight: L.ones([5]) }).forward(x, int([1, 2, 3, 4])),
        'weight',
        '[10]',
        '[5]',
      );
      expectThrows(() => L.F.nllLoss(x, L.rand([4])), 'NLLLoss', 'int32', 'float32');
      expectThrows(() => L.F.nllLoss(L.randn([2, 3, 4]), int([0, 1])), 'NLLLoss', '[2, 4]', '[2]');
      expectThrows(() => L.F.mseLoss(L.randn([4, 3]), L.randn([4, 2])), 'MSELoss', '[4, 3]', '[4, 2]');
      expectThrows(() => L.F.binaryCrossEntropy(L.rand([4]), L.rand([4, 1])), 'BCELoss', '[4]', '[4, 1]');
      expectThrows(() => L.F.l1Loss(L.randn([2]), L.randn([2]), { reduction: 'avg' as 'mean' }), "'avg'");
      expectThrows(
        () => L.F.cosineEmbeddingLoss(L.randn([3, 4]), L.randn([3, 4]), int([1, -1])),
        'CosineEmbeddingLoss',
        '[3]',
        '[2]',
      );
    });

    c('class targets out of range are rejected where the backend reads synchronously', () => {
      if (!ctx.backend().readSync) return; // async devices cannot check without a readback
      expectThrows(
        () => L.F.crossEntropy(L.randn([4, 10]), int([1, 2, 3, 12])),
        'target 12 is out of bounds for 10 classes',
      );
      expectThrows(() => L.F.nllLoss(L.randn([2, 3]), int([-1, 0])), 'target -1 is out of bounds');
      // ignoreIndex may lie outside the class range
      L.F.crossEntropy(L.randn([2, 3]), int([-100, 1])).dispose();
    });

    c('loss modules keep weights as buffers named like PyTorch', async () => {
      const m = new L.nn.BCEWithLogitsLoss({ weight: L.ones([3]), posWeight: L.full([3], 2) });
      expect(Object.keys(m.stateDict()).sort()).toEqual(['pos_weight', 'weight']);
      expect(Object.keys(new L.nn.CrossEntropyLoss().stateDict())).toEqual([]);
      const ce = new L.nn.CrossEntropyLoss({
        weight: L.tensor([1, 2, 3]),
        labelSmoothing: 0.1,
        reduction: 'sum',
      });
      expect(Object.keys(ce.stateDict())).toEqual(['weight']);
      const x = L.tensor([[0.5, -1, 2]]);
      const viaModule = await ce.forward(x, int([2])).item();
      const viaF = await L.F.crossEntropy(x, int([2]), {
        weight: ce.weight,
        labelSmoothing: 0.1,
        reduction: 'sum',
      }).item();
      expect(viaModule).toBe(viaF);
    });
  });
}
