/**
 * The validation table, part 3: the layers of PyTorch parity round two (issue 12): margin,
 * ranking and likelihood losses, distances, padding, shuffles and the other shape layers.
 */
import * as L from '@layers/core';
import { type Case, type Entry, f, int, nn } from './validation-table.js';

const sign = (...shape: number[]) => L.rand(shape).lt(0.5).float().mul(2).sub(1);

/** A padding layer: valid on `good`, a rank error on `bad`, a bad padding tuple. */
function padEntry(
  name: string,
  make: (padding: number | number[]) => L.nn.Module,
  d: number,
  badRank: number[],
  want: string,
  tooBig: [padding: number, fragment: string] | null,
): Entry {
  return {
    make: () => make(1),
    noCtorOptions: true,
    inputs: () => [f(1, 2, ...new Array<number>(d).fill(3))],
    cases: (m) => {
      const good = [1, 2, ...new Array<number>(d).fill(3)];
      const out: Case[] = [
        ['a wrong-rank input', () => m.forward(f(...badRank)), `${name}: expected ${want}`],
        [
          'a padding tuple of the wrong length',
          () => make([1, 2, 3]),
          `${name}: padding must be an int or ${2 * d} ints`,
        ],
      ];
      if (tooBig)
        out.push([
          'padding too large for the input',
          () => make(tooBig[0]).forward(f(...good)),
          `${name}: `,
          tooBig[1],
        ]);
      return out;
    },
  };
}

const constant = (d: number) => `at least ${d}-D input`;
const mirrored = (d: number) => `${d + 1}-D (unbatched) or ${d + 2}-D (batched) input`;

export const MORE_ENTRIES: Record<string, Entry> = {
  // ---- losses
  MarginRankingLoss: {
    make: (o) => new nn.MarginRankingLoss(o),
    inputs: () => [f(3), f(3), sign(3)],
    cases: (m) => [
      [
        'inputs of different ranks',
        () => m.forward(f(3), f(3, 1), sign(3)),
        'MarginRankingLoss',
        'same number of dims',
      ],
      [
        'a bool target',
        () => m.forward(f(3), f(3), L.rand([3]).lt(0.5)),
        'MarginRankingLoss',
        '1 and -1',
        'bool',
      ],
    ],
  },
  HingeEmbeddingLoss: {
    make: (o) => new nn.HingeEmbeddingLoss(o),
    inputs: () => [f(2, 3), sign(2, 3)],
    cases: (m) => [
      [
        'shapes that do not broadcast',
        () => m.forward(f(2, 3), sign(2)),
        'HingeEmbeddingLoss',
        '[2, 3]',
        '[2]',
      ],
    ],
  },
  SoftMarginLoss: {
    make: (o) => new nn.SoftMarginLoss(o),
    inputs: () => [f(4), sign(4)],
    cases: (m) => [['an int32 input', () => m.forward(int(4), sign(4)), 'SoftMarginLoss', 'float', 'int32']],
  },
  MultiLabelSoftMarginLoss: {
    make: (o) => new nn.MultiLabelSoftMarginLoss(o),
    inputs: () => [f(2, 3), L.rand([2, 3]).round()],
    cases: (m) => [
      [
        'a target of another width',
        () => m.forward(f(2, 3), f(2, 4)),
        'MultiLabelSoftMarginLoss',
        '[2, 3]',
        '[2, 4]',
      ],
      ['a 0-D input', () => m.forward(f(), f()), 'MultiLabelSoftMarginLoss', '0-D'],
    ],
  },
  MultiLabelMarginLoss: {
    make: (o) => new nn.MultiLabelMarginLoss(o),
    inputs: () => [
      f(2, 3),
      L.tensor(
        [
          [2, -1, 0],
          [0, 1, -1],
        ],
        { dtype: 'int32' },
      ),
    ],
    cases: (m) => [
      ['a float target', () => m.forward(f(2, 3), f(2, 3)), 'MultiLabelMarginLoss', 'int32', 'float32'],
      [
        'a target of another shape',
        () => m.forward(f(2, 3), int(2)),
        'MultiLabelMarginLoss',
        '[2, 3]',
        '[2]',
      ],
      ['a 3-D input', () => m.forward(f(2, 3, 1), int(2, 3, 1)), 'MultiLabelMarginLoss', '(C) or (N, C)'],
    ],
  },
  MultiMarginLoss: {
    make: (o) => new nn.MultiMarginLoss(o),
    inputs: () => [f(2, 3), L.tensor([2, 0], { dtype: 'int32' })],
    cases: (m) => [
      [
        'a target per element',
        () => m.forward(f(2, 3), int(2, 3)),
        'MultiMarginLoss',
        '2 class indices',
        '[2, 3]',
      ],
      ['p = 3', () => new nn.MultiMarginLoss({ p: 3 }), 'MultiMarginLoss: only p = 1 and p = 2', 'got 3'],
      [
        'a weight of the wrong size',
        () => new nn.MultiMarginLoss({ weight: f(4) }).forward(f(2, 3), int(2)),
        'MultiMarginLoss',
        '[3]',
        '[4]',
      ],
    ],
  },
  TripletMarginLoss: {
    make: (o) => new nn.TripletMarginLoss(o),
    inputs: () => [f(2, 4), f(2, 4), f(2, 4)],
    cases: (m) => [
      [
        'mixed ranks',
        () => m.forward(f(2, 4), f(2, 4), f(4)),
        'TripletMarginLoss',
        'all 1-D (unbatched) or all 2-D',
        '[4]',
      ],
      [
        'a negative norm degree',
        () => new nn.TripletMarginLoss({ p: -1 }).forward(f(4), f(4), f(4)),
        'TripletMarginLoss: p must be a non-negative',
      ],
    ],
  },
  PoissonNLLLoss: {
    make: (o) => new nn.PoissonNLLLoss(o),
    inputs: () => [f(3), L.rand([3])],
    cases: (m) => [['an int32 target', () => m.forward(f(3), int(3)), 'PoissonNLLLoss', 'float', 'int32']],
  },
  GaussianNLLLoss: {
    make: (o) => new nn.GaussianNLLLoss(o),
    inputs: () => [f(2, 3), f(2, 3), L.rand([2, 3])],
    cases: (m) => [
      [
        'a var of the wrong shape',
        () => m.forward(f(2, 3), f(2, 3), L.rand([3])),
        'GaussianNLLLoss',
        'var of shape [2, 3]',
        '[3]',
      ],
    ],
  },
  CTCLoss: {
    make: (o) => new nn.CTCLoss(o),
    inputs: () => [
      L.F.logSoftmax(f(4, 2, 3), 2),
      L.tensor(
        [
          [1, 2],
          [2, 0],
        ],
        { dtype: 'int32' },
      ),
      [4, 3],
      [2, 1],
    ],
    cases: (m) => [
      [
        'lengths for another batch size',
        () => m.forward(f(4, 2, 3), int(2, 2), [4, 3, 2], [2, 1]),
        'CTCLoss: expected inputLengths as 2 int32 lengths',
      ],
      [
        'a blank outside the classes',
        () => new nn.CTCLoss({ blank: 3 }).forward(f(4, 2, 3), int(2, 2), [4, 3], [2, 1]),
        'CTCLoss: blank must be in [0, 3)',
      ],
      [
        'float targets',
        () => m.forward(f(4, 2, 3), f(2, 2), [4, 3], [2, 1]),
        'CTCLoss expected int32 targets, got float32',
      ],
      [
        'a 4-D input',
        () => m.forward(f(4, 2, 3, 1), int(2, 2), [4, 3], [2, 1]),
        'CTCLoss expected logProbs of shape (T, N, C) or (T, C)',
      ],
    ],
  },
  // ---- distances
  PairwiseDistance: {
    make: (o) => new nn.PairwiseDistance(o),
    inputs: () => [f(2, 3), f(2, 3)],
    cases: (m) => [
      [
        'shapes that do not broadcast',
        () => m.forward(f(2, 3), f(2, 4)),
        'PairwiseDistance',
        '[2, 3]',
        '[2, 4]',
      ],
      ['an int32 x2', () => m.forward(f(2, 3), int(2, 3)), 'PairwiseDistance', 'float', 'int32'],
    ],
  },
  CosineSimilarity: {
    make: (o) => new nn.CosineSimilarity(o),
    inputs: () => [f(2, 3), f(2, 3)],
    cases: (m) => [
      [
        'shapes that do not broadcast',
        () => m.forward(f(2, 3), f(3, 3)),
        'CosineSimilarity',
        '[2, 3]',
        '[3, 3]',
      ],
      [
        'a dim out of range',
        () => new nn.CosineSimilarity({ dim: 2 }).forward(f(2, 3), f(2, 3)),
        'CosineSimilarity',
        'dim',
      ],
    ],
  },
  // ---- padding
  ZeroPad1d: padEntry('ZeroPad1d', (p) => new nn.ZeroPad1d(p), 1, [], constant(1), [-2, 'would be negative']),
  ZeroPad2d: padEntry('ZeroPad2d', (p) => new nn.ZeroPad2d(p), 2, [3], constant(2), [
    -2,
    'would be negative',
  ]),
  ZeroPad3d: padEntry('ZeroPad3d', (p) => new nn.ZeroPad3d(p), 3, [3, 3], constant(3), [
    -2,
    'would be negative',
  ]),
  ConstantPad1d: padEntry('ConstantPad1d', (p) => new nn.ConstantPad1d(p, 1), 1, [], constant(1), [
    -2,
    'would be negative',
  ]),
  ConstantPad2d: padEntry('ConstantPad2d', (p) => new nn.ConstantPad2d(p, 1), 2, [3], constant(2), [
    -2,
    'would be negative',
  ]),
  ConstantPad3d: padEntry('ConstantPad3d', (p) => new nn.ConstantPad3d(p, 1), 3, [3, 3], constant(3), [
    -2,
    'would be negative',
  ]),
  ReflectionPad1d: padEntry('ReflectionPad1d', (p) => new nn.ReflectionPad1d(p), 1, [3], mirrored(1), [
    3,
    'should be less than the corresponding input dimension',
  ]),
  ReflectionPad2d: padEntry('ReflectionPad2d', (p) => new nn.ReflectionPad2d(p), 2, [3, 3], mirrored(2), [
    3,
    'should be less than the corresponding input dimension',
  ]),
  ReflectionPad3d: padEntry('ReflectionPad3d', (p) => new nn.ReflectionPad3d(p), 3, [3, 3, 3], mirrored(3), [
    3,
    'should be less than the corresponding input dimension',
  ]),
  ReplicationPad1d: padEntry(
    'ReplicationPad1d',
    (p) => new nn.ReplicationPad1d(p),
    1,
    [3],
    mirrored(1),
    null,
  ),
  ReplicationPad2d: padEntry(
    'ReplicationPad2d',
    (p) => new nn.ReplicationPad2d(p),
    2,
    [3, 3],
    mirrored(2),
    null,
  ),
  ReplicationPad3d: padEntry(
    'ReplicationPad3d',
    (p) => new nn.ReplicationPad3d(p),
    3,
    [3, 3, 3],
    mirrored(3),
    null,
  ),
  CircularPad1d: padEntry('CircularPad1d', (p) => new nn.CircularPad1d(p), 1, [3], mirrored(1), [
    4,
    'wrapping around more than once',
  ]),
  CircularPad2d: padEntry('CircularPad2d', (p) => new nn.CircularPad2d(p), 2, [3, 3], mirrored(2), [
    4,
    'wrapping around more than once',
  ]),
  CircularPad3d: padEntry('CircularPad3d', (p) => new nn.CircularPad3d(p), 3, [3, 3, 3], mirrored(3), [
    4,
    'wrapping around more than once',
  ]),
};
