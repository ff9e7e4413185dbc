/**
 * The validation table, part 4: the normalisation and shape layers of PyTorch parity round two
 * (InstanceNorm, LocalResponseNorm, the pixel and channel shuffles, GLU, Softmax2d).
 */
import { type Entry, f, float, int, nn, rank } from './validation-table.js';

const instance = (name: string, make: Entry['make'], d: number): Entry => ({
  make,
  inputs: () => [f(2, 3, ...new Array<number>(d).fill(4))],
  cases: (m) => [
    ...rank(name, () => f(3), `${d + 1}-D (unbatched) or ${d + 2}-D (batched)`)(m),
    [
      'the wrong channel count with affine',
      () => make({ affine: true }).forward(f(2, 4, ...new Array<number>(d).fill(4))),
      `${name} expected input with 3 channels`,
      'got 4',
    ],
    [
      'one spatial element in training',
      () => m.forward(f(2, 3, ...new Array<number>(d).fill(1))),
      `${name}: expected more than 1 spatial element`,
    ],
    ['a null momentum', () => make({ momentum: null }), `${name}: momentum must be a number`],
    [
      'an int32 input',
      () => m.forward(int(2, 3, ...new Array<number>(d).fill(4))),
      `${name} expected a float input`,
    ],
  ],
});

export const SHAPE_ENTRIES: Record<string, Entry> = {
  InstanceNorm1d: instance('InstanceNorm1d', (o) => new nn.InstanceNorm1d(3, o), 1),
  InstanceNorm2d: instance('InstanceNorm2d', (o) => new nn.InstanceNorm2d(3, o), 2),
  InstanceNorm3d: instance('InstanceNorm3d', (o) => new nn.InstanceNorm3d(3, o), 3),
  LocalResponseNorm: {
    make: (o) => new nn.LocalResponseNorm(2, o),
    inputs: () => [f(2, 3, 4)],
    cases: (m) => [
      ...rank('LocalResponseNorm', () => f(2, 3), '3D or higher')(m),
      [
        'a zero size',
        () => new nn.LocalResponseNorm(0),
        'LocalResponseNorm: size must be a positive integer, got 0',
      ],
      ...float('LocalResponseNorm', 2, 3, 4)(m),
    ],
  },
  PixelShuffle: {
    make: () => new nn.PixelShuffle(2),
    noCtorOptions: true,
    inputs: () => [f(1, 8, 2, 2)],
    cases: (m) => [
      [
        'channels not divisible by r^2',
        () => m.forward(f(1, 6, 2, 2)),
        'PixelShuffle: the channel dim (6)',
        'divisible by upscaleFactor^2 (4)',
      ],
      [
        'a 2-D input',
        () => m.forward(f(4, 4)),
        'PixelShuffle expected an input (*, C, H, W) with at least 3 dims',
      ],
      [
        'a fractional factor',
        () => new nn.PixelShuffle(1.5),
        'PixelShuffle: upscaleFactor must be a positive integer',
      ],
    ],
  },
  PixelUnshuffle: {
    make: () => new nn.PixelUnshuffle(2),
    noCtorOptions: true,
    inputs: () => [f(1, 2, 4, 4)],
    cases: (m) => [
      [
        'a height not divisible by r',
        () => m.forward(f(1, 2, 3, 4)),
        'PixelUnshuffle: the height (3) and width (4)',
        '(2)',
      ],
      ['a 2-D input', () => m.forward(f(4, 4)), 'PixelUnshuffle expected an input (*, C, H, W)'],
    ],
  },
  ChannelShuffle: {
    make: () => new nn.ChannelShuffle(2),
    noCtorOptions: true,
    inputs: () => [f(1, 4, 3)],
    cases: (m) => [
      [
        'channels not divisible by groups',
        () => m.forward(f(1, 5, 3)),
        'ChannelShuffle: the number of channels (5) must be divisible by groups (2)',
      ],
      ['a 2-D input', () => m.forward(f(2, 4)), 'ChannelShuffle expected an input (N, C, *)'],
    ],
  },
  GLU: {
    make: (o) => new nn.GLU(o),
    inputs: () => [f(2, 4)],
    cases: (m) => [
      [
        'an odd dim',
        () => m.forward(f(2, 5)),
        'GLU: halving dimension must be even, but dimension 1 is size 5',
      ],
      ['a dim out of range', () => new nn.GLU({ dim: 3 }).forward(f(2, 4)), 'GLU', 'dim'],
      ...float('GLU', 2, 4)(m),
    ],
  },
  Softmax2d: {
    make: () => new nn.Softmax2d(),
    noCtorOptions: true,
    inputs: () => [f(2, 3, 2, 2)],
    cases: (m) => [
      ['a 2-D input', () => m.forward(f(3, 4)), 'Softmax2d: expected a 3-D or 4-D input, got 2-D'],
    ],
  },
  Unfold: {
    make: (o) => new nn.Unfold(2, o),
    inputs: () => [f(1, 2, 4, 4)],
    cases: (m) => [
      ['a 2-D input', () => m.forward(f(4, 4)), 'Unfold: expected a 3-D (unbatched) or 4-D (batched) input'],
      [
        'a kernel larger than the input',
        () => new nn.Unfold(5).forward(f(1, 2, 4, 4)),
        'Unfold: ',
        'no sliding blocks',
      ],
      [
        'a zero stride',
        () => new nn.Unfold(2, { stride: 0 }).forward(f(1, 2, 4, 4)),
        'Unfold: stride must be a positive integer',
      ],
    ],
  },
  Fold: {
    make: (o) => new nn.Fold([3, 3], 2, o),
    inputs: () => [f(1, 8, 4)],
    cases: (m) => [
      [
        'a block count that does not match outputSize',
        () => m.forward(f(1, 8, 5)),
        'Fold: given outputSize=(3, 3)',
        'sliding blocks 2 * 2 = 4, got 5',
      ],
      [
        'channels not divisible by the kernel',
        () => m.forward(f(1, 6, 4)),
        "Fold: expected size of input's dimension 1 to be divisible by the product of kernelSize (4), got 6",
      ],
      [
        'a 4-D input',
        () => m.forward(f(1, 8, 4, 1)),
        'Fold: expected a 2-D (unbatched) or 3-D (batched) input',
      ],
    ],
  },
  LPPool1d: {
    make: (o) => new nn.LPPool1d(2, 2, o),
    inputs: () => [f(1, 2, 6)],
    cases: (m) => [
      [
        'a zero power',
        () => new nn.LPPool1d(0, 2).forward(f(1, 2, 6)),
        'LPPool1d: normType must be a positive number, got 0',
      ],
      ...float('LPPool1d', 1, 2, 6)(m),
    ],
  },
  LPPool2d: {
    make: (o) => new nn.LPPool2d(2, 2, o),
    inputs: () => [f(1, 2, 4, 4)],
    cases: (m) => [
      [
        'a kernel of three sizes',
        () => new nn.LPPool2d(2, [2, 2, 2]).forward(f(1, 2, 4, 4)),
        'LPPool2d: kernelSize must be',
      ],
      ...float('LPPool2d', 1, 2, 4, 4)(m),
    ],
  },
  ...Object.fromEntries(
    ([1, 2, 3] as const).map((d) => {
      const name = `MaxUnpool${d}d`;
      const Cls = [nn.MaxUnpool1d, nn.MaxUnpool2d, nn.MaxUnpool3d][d - 1];
      const sp = new Array<number>(d).fill(2);
      const entry: Entry = {
        make: (o) => new Cls(2, o),
        arity: 2,
        forwardOptions: true,
        inputs: () => [f(1, 2, ...sp), int(1, 2, ...sp)],
        cases: (m) => [
          [
            'int32 indices of another shape',
            () => m.forward(f(1, 2, ...sp), int(1, 2)),
            `${name}: expected indices of the input's shape`,
          ],
          [
            'float indices',
            () => m.forward(f(1, 2, ...sp), f(1, 2, ...sp)),
            `${name}: expected int32 indices, got float32`,
          ],
          [
            'an outputSize out of range',
            () => m.forward(f(1, 2, ...sp), int(1, 2, ...sp), { outputSize: new Array<number>(d).fill(9) }),
            `${name}: invalid outputSize`,
          ],
          [
            'an unknown forward option',
            () => m.forward(f(1, 2, ...sp), int(1, 2, ...sp), { size: [4] }),
            `${name}: unknown option 'size' in forward options`,
          ],
        ],
      };
      return [name, entry];
    }),
  ),
  EmbeddingBag: {
    make: (o) => new nn.EmbeddingBag(5, 3, o),
    arity: 3,
    inputs: () => [int(2, 3)],
    cases: (m) => [
      [
        'a 1-D input without offsets',
        () => m.forward(int(4)),
        'EmbeddingBag: offsets is required for a 1-D input',
      ],
      [
        'offsets with a 2-D input',
        () => m.forward(int(2, 3), int(2)),
        'EmbeddingBag: offsets must be null for a 2-D input',
      ],
      [
        'perSampleWeights in mean mode',
        () => m.forward(int(2, 3), null, f(2, 3)),
        "EmbeddingBag: perSampleWeights is only supported for mode 'sum'",
      ],
      [
        'an unknown mode',
        () => new nn.EmbeddingBag(5, 3, { mode: 'min' as never }),
        "EmbeddingBag: mode must be 'sum', 'mean' or 'max', got 'min'",
      ],
      ['a float input', () => m.forward(f(2, 3)), 'EmbeddingBag', 'int32'],
    ],
  },
};
