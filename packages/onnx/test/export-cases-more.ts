/**
 * Export cases of PyTorch parity round two (issue 12): the padding layers, distances and the
 * margin, ranking and likelihood losses.
 */
import { nn, rand, randint, randn, type Tensor } from '@layers/core';
import { batch0, type Case, randomized, x } from './export-cases.js';
import type { MakeArgs } from './export-helpers.js';

/** ±1 float targets [n, ...rest]. */
const signs = (n: number, ...rest: number[]): Tensor =>
  rand([n, ...rest])
    .lt(0.5)
    .float()
    .mul(2)
    .sub(1);
const axes = (k: number) => ({
  dynamicAxes: Object.fromEntries(Array.from({ length: k }, (_, i) => [`input${i}`, [0]])),
});
const lossCase = (cls: string, label: string, make: () => nn.Module, args: MakeArgs, k = 2): Case => ({
  cls,
  label,
  make,
  args,
  opts: axes(k),
});
const pad = (cls: string, label: string, make: () => nn.Module, ...rest: number[]): Case => ({
  cls,
  label,
  make,
  args: x(...rest),
  opts: { dynamicAxes: batch0 },
});

export const PAD_CASES: Case[] = [
  pad('ZeroPad1d', '(2, 1)', () => new nn.ZeroPad1d([2, 1]), 3, 5),
  pad('ZeroPad2d', 'crop', () => new nn.ZeroPad2d([1, -1, 2, 0]), 2, 4, 5),
  pad('ZeroPad3d', 'int', () => new nn.ZeroPad3d(1), 2, 2, 3, 3),
  pad('ConstantPad1d', 'value', () => new nn.ConstantPad1d([1, 3], -2.5), 3, 4),
  pad('ConstantPad2d', 'value', () => new nn.ConstantPad2d(2, 0.5), 2, 3, 3),
  pad('ConstantPad3d', 'value', () => new nn.ConstantPad3d([1, 0, 0, 1, 2, 1], 3), 1, 2, 3, 3),
  pad('ReflectionPad1d', '(3, 1)', () => new nn.ReflectionPad1d([3, 1]), 2, 5),
  pad('ReflectionPad2d', 'crop', () => new nn.ReflectionPad2d([2, -1, 1, 2]), 2, 4, 5),
  pad('ReflectionPad3d', 'int', () => new nn.ReflectionPad3d(1), 2, 3, 3, 4),
  pad('ReplicationPad1d', '(1, 4)', () => new nn.ReplicationPad1d([1, 4]), 2, 3),
  pad('ReplicationPad2d', 'int', () => new nn.ReplicationPad2d(2), 2, 3, 4),
  pad('ReplicationPad3d', 'tuple', () => new nn.ReplicationPad3d([1, 2, 0, 1, 1, 0]), 1, 2, 3, 3),
  pad('CircularPad1d', '(2, 3)', () => new nn.CircularPad1d([2, 3]), 2, 4),
  pad('CircularPad2d', 'crop', () => new nn.CircularPad2d([1, -2, -1, 2]), 2, 4, 5),
  pad('CircularPad3d', 'int', () => new nn.CircularPad3d(1), 2, 2, 3, 3),
];

export const MORE_LOSS_CASES: Case[] = [
  lossCase(
    'MarginRankingLoss',
    'margin',
    () => new nn.MarginRankingLoss({ margin: 0.3 }),
    (n) => [randn([n]), randn([n]), signs(n)],
    3,
  ),
  lossCase(
    'HingeEmbeddingLoss',
    'margin, none',
    () => new nn.HingeEmbeddingLoss({ margin: 1.5, reduction: 'none' }),
    (n) => [randn([n, 3]), signs(n, 3)],
  ),
  lossCase(
    'SoftMarginLoss',
    'sum',
    () => new nn.SoftMarginLoss({ reduction: 'sum' }),
    (n) => [randn([n, 3]), signs(n, 3)],
  ),
  lossCase(
    'MultiLabelSoftMarginLoss',
    'weight',
    () => new nn.MultiLabelSoftMarginLoss({ weight: rand([4]) }),
    (n) => [randn([n, 4]), rand([n, 4]).round()],
  ),
  lossCase(
    'MultiMarginLoss',
    'p 2, weight, margin',
    () => new nn.MultiMarginLoss({ p: 2, margin: 0.7, weight: rand([4]) }),
    (n) => [randn([n, 4]), randint(0, 4, [n], { dtype: 'int32' })],
  ),
  lossCase(
    'MultiMarginLoss',
    'none',
    () => new nn.MultiMarginLoss({ reduction: 'none' }),
    (n) => [randn([n, 4]), randint(0, 4, [n], { dtype: 'int32' })],
  ),
  lossCase(
    'TripletMarginLoss',
    'swap',
    () => new nn.TripletMarginLoss({ swap: true, margin: 2 }),
    (n) => [randn([n, 5]), randn([n, 5]), randn([n, 5])],
    3,
  ),
  lossCase(
    'TripletMarginLoss',
    'p 1, none',
    () => new nn.TripletMarginLoss({ p: 1, reduction: 'none' }),
    (n) => [randn([n, 5]), randn([n, 5]), randn([n, 5])],
    3,
  ),
  lossCase(
    'PoissonNLLLoss',
    'log input',
    () => new nn.PoissonNLLLoss(),
    (n) => [randn([n, 3]), rand([n, 3]).mul(4).round()],
  ),
  lossCase(
    'PoissonNLLLoss',
    'rate, full, none',
    () => new nn.PoissonNLLLoss({ logInput: false, full: true, reduction: 'none' }),
    (n) => [rand([n, 3]).add(0.1), rand([n, 3]).mul(4).round()],
  ),
  lossCase(
    'GaussianNLLLoss',
    'full, homoscedastic',
    () => new nn.GaussianNLLLoss({ full: true }),
    (n) => [randn([n, 3]), randn([n, 3]), rand([n]).add(0.1)],
    3,
  ),
  lossCase(
    'GaussianNLLLoss',
    'none',
    () => new nn.GaussianNLLLoss({ reduction: 'none', eps: 0.05 }),
    (n) => [randn([n, 3]), randn([n, 3]), rand([n, 3])],
    3,
  ),
  lossCase(
    'PairwiseDistance',
    'p 2',
    () => new nn.PairwiseDistance(),
    (n) => [randn([n, 4]), randn([n, 4])],
  ),
  lossCase(
    'PairwiseDistance',
    'p inf, keepdim',
    () => new nn.PairwiseDistance({ p: Number.POSITIVE_INFINITY, keepdim: true }),
    (n) => [randn([n, 4]), randn([n, 4])],
  ),
  lossCase(
    'PairwiseDistance',
    'p 3',
    () => new nn.PairwiseDistance({ p: 3 }),
    (n) => [randn([n, 4]), randn([n, 4])],
  ),
  lossCase(
    'CosineSimilarity',
    'dim 1',
    () => new nn.CosineSimilarity(),
    (n) => [randn([n, 4, 2]), randn([n, 4, 2])],
  ),
  lossCase(
    'CosineSimilarity',
    'dim -1, broadcast',
    () => new nn.CosineSimilarity({ dim: -1 }),
    (n) => [randn([n, 4]), randn([n, 4])],
  ),
];

const layer = (cls: string, label: string, make: () => nn.Module, ...rest: number[]): Case =>
  pad(cls, label, make, ...rest);

export const MORE_LAYER_CASES: Case[] = [
  layer('InstanceNorm1d', 'plain', () => new nn.InstanceNorm1d(3), 3, 5),
  layer('InstanceNorm2d', 'affine', () => randomized(new nn.InstanceNorm2d(3, { affine: true })), 3, 4, 4),
  layer(
    'InstanceNorm3d',
    'running stats, affine',
    () => randomized(new nn.InstanceNorm3d(2, { affine: true, trackRunningStats: true })),
    2,
    2,
    3,
    3,
  ),
  layer('LocalResponseNorm', 'size 3', () => new nn.LocalResponseNorm(3, { alpha: 0.1, k: 2 }), 5, 4),
  layer(
    'LocalResponseNorm',
    'size 4, 4-D',
    () => new nn.LocalResponseNorm(4, { alpha: 0.5, beta: 0.6 }),
    6,
    2,
    3,
  ),
  layer('PixelShuffle', 'r 2', () => new nn.PixelShuffle(2), 8, 3, 2),
  layer('PixelUnshuffle', 'r 2', () => new nn.PixelUnshuffle(2), 2, 4, 6),
  layer('ChannelShuffle', 'groups 3', () => new nn.ChannelShuffle(3), 6, 2, 2),
  layer('GLU', 'dim -1', () => new nn.GLU(), 3, 6),
  layer('GLU', 'dim 1', () => new nn.GLU({ dim: 1 }), 4, 3),
  layer('Softmax2d', '4-D', () => new nn.Softmax2d(), 3, 2, 2),
  layer('LPPool1d', 'p 2, stride', () => new nn.LPPool1d(2, 3, { stride: 2 }), 3, 8),
  layer('LPPool2d', 'p 3, ceil', () => new nn.LPPool2d(3, 2, { ceilMode: true }), 2, 5, 5),
  layer('Unfold', 'k 2', () => new nn.Unfold(2), 3, 4, 5),
  layer(
    'Unfold',
    'k (2, 3), padding, stride, dilation',
    () => new nn.Unfold([2, 3], { padding: 1, stride: [2, 1], dilation: [1, 2] }),
    2,
    5,
    6,
  ),
];
