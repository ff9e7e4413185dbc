/**
 * The export test table: one or more cases per nn module class (export-modules.test.ts runs
 * them; export-coverage.test.ts checks every class exported by nn is here or refused).
 */
import { nn, randint, randn, type Tensor } from '@layers/core';
import type { ExportOptions } from '../src/index.js';
import type { MakeArgs, Tolerance } from './export-helpers.js';

/** One export case. */
export interface Case {
  /** The nn class it covers. */
  cls: string;
  label?: string;
  make: () => nn.Module;
  args: MakeArgs;
  opts?: ExportOptions & { sizes?: number[]; tol?: Tolerance };
}

const batch0 = { input: [0] };
/** One input [n, ...rest] with a dynamic batch axis. */
const x =
  (...rest: number[]) =>
  (n: number) => [randn([n, ...rest])];
/** Scaled so saturating activations see both regimes. */
const xs =
  (scale: number, ...rest: number[]) =>
  (n: number) => [randn([n, ...rest]).mul(scale)];

const act = (cls: string, make: () => nn.Module, label?: string): Case => ({
  cls,
  label,
  make,
  args: xs(3, 4, 5),
  opts: { dynamicAxes: batch0 },
});

export const ACTIVATION_CASES: Case[] = [
  act('ReLU', () => new nn.ReLU()),
  act('ReLU6', () => new nn.ReLU6()),
  act('LeakyReLU', () => new nn.LeakyReLU({ negativeSlope: 0.2 })),
  {
    cls: 'PReLU',
    make: () => new nn.PReLU({ numParameters: 4, init: 0.3 }),
    args: xs(3, 4, 5),
    opts: { dynamicAxes: batch0 },
  },
  act('PReLU', () => new nn.PReLU(), 'shared slope'),
  act('ELU', () => new nn.ELU({ alpha: 0.7 })),
  act('CELU', () => new nn.CELU({ alpha: 1.3 })),
  act('SELU', () => new nn.SELU()),
  act('GELU', () => new nn.GELU()),
  act('GELU', () => new nn.GELU({ approximate: 'tanh' }), 'tanh'),
  act('SiLU', () => new nn.SiLU()),
  act('Mish', () => new nn.Mish()),
  act('Sigmoid', () => new nn.Sigmoid()),
  act('Tanh', () => new nn.Tanh()),
  act('LogSigmoid', () => new nn.LogSigmoid()),
  act('Hardtanh', () => new nn.Hardtanh({ minVal: -2, maxVal: 1.5 })),
  act('Hardsigmoid', () => new nn.Hardsigmoid()),
  act('Hardswish', () => new nn.Hardswish()),
  act('Softplus', () => new nn.Softplus({ beta: 2, threshold: 3 })),
  act('Softplus', () => new nn.Softplus(), 'defaults'),
  act('Softsign', () => new nn.Softsign()),
  act('Tanhshrink', () => new nn.Tanhshrink()),
  act('Hardshrink', () => new nn.Hardshrink({ lambd: 0.7 })),
  act('Softshrink', () => new nn.Softshrink({ lambd: 0.7 })),
  act('Threshold', () => new nn.Threshold(0.3, -2)),
  act('Softmax', () => new nn.Softmax({ dim: -1 })),
  act('Softmax', () => new nn.Softmax(), 'implicit dim'),
  act('LogSoftmax', () => new nn.LogSoftmax({ dim: 1 })),
  act('Softmin', () => new nn.Softmin({ dim: 2 })),
];

export const BASIC_CASES: Case[] = [
  { cls: 'Identity', make: () => new nn.Identity(), args: x(3), opts: { dynamicAxes: batch0 } },
  ...(
    [
      ['Dropout', [3, 4]],
      ['Dropout1d', [3, 4]],
      ['Dropout2d', [3, 4, 5]],
      ['Dropout3d', [3, 4, 5, 6]],
      ['AlphaDropout', [3]],
    ] as const
  ).map(
    ([cls, rest]): Case => ({
      cls,
      make: () => new (nn as unknown as Record<string, new (o: object) => nn.Module>)[cls]({ p: 0.5 }),
      args: x(...rest),
      opts: { dynamicAxes: batch0 },
    }),
  ),
  { cls: 'Flatten', make: () => new nn.Flatten(), args: x(3, 4, 5), opts: { dynamicAxes: batch0 } },
  {
    cls: 'Flatten',
    label: 'inner dims',
    make: () => new nn.Flatten({ startDim: 1, endDim: 2 }),
    args: x(3, 4, 5),
    opts: { dynamicAxes: batch0 },
  },
  {
    cls: 'Unflatten',
    make: () => new nn.Unflatten(1, [3, -1]),
    args: x(12, 2),
    opts: { dynamicAxes: batch0 },
  },
  { cls: 'Linear', make: () => new nn.Linear(5, 3), args: x(5), opts: { dynamicAxes: batch0 } },
  {
    cls: 'Linear',
    label: '3-D input, no bias, dynamic batch and sequence',
    make: () => new nn.Linear(5, 3, { bias: false }),
    args: x(4, 5),
    opts: { dynamicAxes: { input: [0, 1] } },
  },
  {
    cls: 'Bilinear',
    make: () => new nn.Bilinear(4, 3, 5),
    args: (n) => [randn([n, 4]), randn([n, 3])],
    opts: { dynamicAxes: { input0: [0], input1: [0] } },
  },
  {
    cls: 'Embedding',
    make: () => new nn.Embedding(10, 4, { paddingIdx: 0 }),
    args: (n) => [randint(0, 10, [n, 5], { dtype: 'int32' })],
    opts: { dynamicAxes: { input: [0, 1] } },
  },
  {
    cls: 'Embedding',
    label: 'maxNorm',
    make: () => new nn.Embedding(10, 4, { maxNorm: 1 }),
    args: (n) => [randint(0, 10, [n, 5], { dtype: 'int32' })],
    opts: { dynamicAxes: { input: [0] } },
  },
  {
    cls: 'Sequential',
    make: () => new nn.Sequential(new nn.Linear(6, 8), new nn.ReLU(), new nn.Dropout(), new nn.Linear(8, 2)),
    args: x(6),
    opts: { dynamicAxes: batch0 },
  },
];

export type { Tensor };
