/**
 * Behaviour of the PyTorch parity round-two layers beyond their value fixtures: range errors
 * that an asynchronous device reports at the next readback, state-dict keys as PyTorch's, and
 * identities that follow from the mathematics (fold of unfold counts each pixel's windows).
 */
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { check, type SuiteContext, values } from './context.js';

const nn = L.nn;
const i32 = (v: number[] | number[][]) => L.tensor(v, { dtype: 'int32' });

/** The call throws at once, or its result's readback rejects (asynchronous devices), with `message`. */
async function failsWith(fn: () => L.Tensor, message: string): Promise<void> {
  let out: L.Tensor | null = null;
  const run = async () => {
    out = fn();
    await out.data();
  };
  await expect(run()).rejects.toThrow(message);
  (out as L.Tensor | null)?.dispose();
}

export function nnMoreBehaviour(ctx: SuiteContext): void {
  describe('nn-more', () => {
    const c = (title: string, fn: () => Promise<void> | void) => check(ctx, 'nn-more', title, fn);

    c(
      'class-index losses and GaussianNLLLoss reject out-of-range targets and negative variances',
      async () => {
        await failsWith(
          () =>
            new nn.MultiLabelMarginLoss().forward(
              L.randn([2, 3]),
              i32([
                [3, -1, 0],
                [0, 1, -1],
              ]),
            ),
          'MultiLabelMarginLoss: target 3 is out of range for 3 classes',
        );
        await failsWith(
          () => new nn.MultiMarginLoss().forward(L.randn([2, 3]), i32([2, -1])),
          'MultiMarginLoss: target -1 is out of range for 3 classes',
        );
        await failsWith(
          () =>
            L.F.gaussianNllLoss(
              L.randn([2, 3]),
              L.randn([2, 3]),
              L.tensor([
                [1, 2, -0.5],
                [1, 1, 1],
              ]),
            ),
          'GaussianNLLLoss: var has negative entries',
        );
        await failsWith(
          () =>
            new nn.MaxUnpool2d(2).forward(
              L.randn([1, 1, 2, 2]),
              i32([
                [
                  [
                    [0, 1],
                    [16, 3],
                  ],
                ],
              ] as never),
            ),
          'MaxUnpool2d: found an invalid max index 16 (output volumes are of size 4x4)',
        );
        await failsWith(
          () => L.F.embeddingBag(i32([1, 2, 3]), L.randn([4, 2]), { offsets: i32([1, 2]) }),
          'embeddingBag: offsets[0] has to be 0, got 1',
        );
        await failsWith(
          () => new nn.EmbeddingBag(4, 2).forward(i32([1, 7, 3]), i32([0, 1])),
          'EmbeddingBag: index 7 is out of range for an embedding table with 4 rows',
        );
        const lp = () => L.F.logSoftmax(L.randn([4, 2, 3]), 2);
        await failsWith(
          () =>
            L.F.ctcLoss(
              lp(),
              i32([
                [1, 2],
                [2, 0],
              ]),
              [4, 3],
              [3, 1],
            ),
          'CTCLoss: target length 3 is longer than the targets hold (2 per row)',
        );
        await failsWith(
          () =>
            L.F.ctcLoss(
              lp(),
              i32([
                [1, 2],
                [2, 0],
              ]),
              [5, 3],
              [2, 1],
            ),
          'CTCLoss: expected input lengths of at most T = 4',
        );
        await failsWith(
          () =>
            L.F.ctcLoss(
              lp(),
              i32([
                [1, 7],
                [2, 0],
              ]),
              [4, 3],
              [2, 1],
            ),
          'CTCLoss: target 7 is out of range for 3 classes',
        );
        // Zero variance is valid (clamped to eps); the -1 ending a target row is not a class.
        const ok = L.F.gaussianNllLoss(L.zeros([3]), L.zeros([3]), L.zeros([3]), { eps: 1 });
        expect(await values(ok)).toEqual([0]);
        const ml = new nn.MultiLabelMarginLoss({ reduction: 'sum' }).forward(
          L.tensor([0, 0, 0]),
          i32([-1, 2, 2]),
        );
        expect(await values(ml)).toEqual([0]);
      },
    );

    c('state-dict keys and buffers follow PyTorch', () => {
      expect(Object.keys(new nn.InstanceNorm2d(3).stateDict())).toEqual([]);
      expect(
        Object.keys(new nn.InstanceNorm1d(3, { affine: true, trackRunningStats: true }).stateDict()),
      ).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
      expect(Object.keys(new nn.MultiMarginLoss({ weight: L.ones([3]) }).stateDict())).toEqual(['weight']);
      expect(Object.keys(new nn.MultiLabelSoftMarginLoss().stateDict())).toEqual([]);
      expect(Object.keys(new nn.ReflectionPad2d(1).stateDict())).toEqual([]);
      expect(Object.keys(new nn.EmbeddingBag(4, 2).stateDict())).toEqual(['weight']);
    });

    c('instance norm in eval mode without running statistics still normalises each sample', async () => {
      const x = L.tensor([[[1, 2, 3, 4]], [[10, 10, 20, 20]]]);
      const y = new nn.InstanceNorm1d(1).eval().forward(x);
      const v = await values(y);
      // Each row has mean 0 and (biased) variance var / (var + eps) after normalising.
      for (const row of [v.slice(0, 4), v.slice(4)]) {
        expect(Math.abs(row.reduce((a, b) => a + b, 0))).toBeLessThan(1e-5);
      }
      expect(v[4]).toBeCloseTo(-1, 4);
    });

    c(
      'embedding bags: an empty bag is zeros in every mode, paddingIdx rows are left out of the mean',
      async () => {
        const w = L.tensor([
          [1, 2],
          [3, 4],
          [5, 6],
        ]);
        for (const mode of ['sum', 'mean', 'max'] as const) {
          const y = L.F.embeddingBag(i32([0, 1, 2]), w, { offsets: i32([0, 0, 2]), mode });
          expect((await values(y)).slice(0, 2)).toEqual([0, 0]);
        }
        const mean = L.F.embeddingBag(i32([[0, 1, 2]]), w, { mode: 'mean', paddingIdx: 1 });
        expect(await values(mean)).toEqual([3, 4]);
      },
    );

    c('fold(unfold(x)) multiplies each pixel by the number of windows covering it', async () => {
      const x = L.randn([1, 2, 4, 5]);
      const opts = { padding: 1, stride: 1 };
      const back = L.F.fold(L.F.unfold(x, 3, opts), [4, 5], 3, opts);
      const count = L.F.fold(L.F.unfold(L.ones([1, 2, 4, 5]), 3, opts), [4, 5], 3, opts);
      const [b, cnt, xs] = await Promise.all([values(back), values(count), values(x)]);
      // With padding 1 and a 3x3 kernel, interior pixels are covered 9 times, corners 4 times.
      expect(cnt[0]).toBe(4);
      expect(cnt[5 + 1]).toBe(9);
      for (let i = 0; i < b.length; i++) expect(b[i]).toBeCloseTo(xs[i] * cnt[i], 5);
    });

    c(
      'pixelUnshuffle inverts pixelShuffle exactly, and channelShuffle with C / g groups inverts it',
      async () => {
        const x = L.randn([2, 8, 3, 2]);
        expect(await values(L.F.pixelUnshuffle(L.F.pixelShuffle(x, 2), 2))).toEqual(await values(x));
        const y = L.randn([1, 6, 2]);
        expect(await values(L.F.channelShuffle(L.F.channelShuffle(y, 2), 3))).toEqual(await values(y));
      },
    );
  });
}
