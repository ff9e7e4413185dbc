/**
 * The validation table, part 1: activations, linear and convolution layers, normalisation,
 * dropout, shape and pooling layers, and the helpers the table entries are built from.
 * (validation.ts runs the table; validation-table-seq.ts holds the rest.)
 */
import * as L from '@layers/core';

export const nn = L.nn;
export type Mod = L.nn.Module;
export type Fragment = string | RegExp;

export const f = (...shape: number[]) => L.randn(shape);
export const int = (...shape: number[]) => L.zeros(shape, { dtype: 'int32' });
export const BOGUS = { bogusOption: 1 };

/** One class: how to build it (opts reach the constructor's options), valid inputs, extra cases. */
export interface Entry {
  make: (opts?: object) => Mod;
  /** Valid positional inputs (forward must accept them). */
  inputs: () => unknown[];
  /** Positional inputs forward declares, when more than `inputs` gives (optional states). */
  arity?: number;
  /** Whether forward takes a trailing options object (the extra-input case passes {} first). */
  forwardOptions?: boolean;
  /** The constructor takes no options object (PyTorch's takes only positional arguments). */
  noCtorOptions?: boolean;
  /** Class-specific wrong inputs: [what, call, fragments of the message]. */
  cases?: (m: Mod) => Case[];
}

export const float =
  (name: string, ...shape: number[]) =>
  (m: Mod): Case[] => [
    // "ReLU6: expected ..." when reworded from an inner op, "Dropout expected ..." when the layer's own.
    [
      'an int32 input',
      () => m.forward(int(...shape)),
      new RegExp(`^${name}:? expected a float input, got int32`),
    ],
  ];
export const act = (name: string, make: (o?: object) => Mod, isFloat = true): Entry => ({
  make,
  inputs: () => [f(2, 3)],
  cases: isFloat ? float(name, 2, 3) : undefined,
});
export const rank =
  (name: string, bad: () => L.Tensor, ...fragments: Fragment[]) =>
  (m: Mod) =>
    [['a wrong-rank input', () => m.forward(bad()), name, ...fragments]] as [
      string,
      () => unknown,
      ...Fragment[],
    ][];
export const fwdOption = (name: string, inputs: () => unknown[], key: string, hint: string) => (m: Mod) =>
  [
    [
      `an unknown forward option '${key}'`,
      () => m.forward(...inputs(), { [key]: null }),
      `${name}: unknown option '${key}' in forward options`,
      `did you mean '${hint}'`,
    ],
  ] as Case[];

export const pool = (d: number) => ({ inputs: () => [f(1, 2, ...new Array<number>(d).fill(4))] });
export const poolRank = (name: string, d: number) =>
  rank(name, () => f(4), `${d + 1}-D (unbatched) or ${d + 2}-D`);

export type Case = [what: string, run: () => unknown, ...fragments: Fragment[]];

export const LAYER_ENTRIES: Record<string, Entry> = {
  // ---- activations
  ReLU: act('ReLU', (o) => new nn.ReLU(o), false),
  ReLU6: act('ReLU6', (o) => new nn.ReLU6(o)),
  LeakyReLU: {
    ...act('LeakyReLU', (o) => new nn.LeakyReLU(o)),
    cases: () => [
      [
        'a positional slope',
        () => new nn.LeakyReLU(0.2 as never),
        'LeakyReLU: expected options',
        'negativeSlope',
      ],
    ],
  },
  PReLU: act('PReLU', (o) => new nn.PReLU(o)),
  ELU: act('ELU', (o) => new nn.ELU(o)),
  CELU: act('CELU', (o) => new nn.CELU(o)),
  SELU: act('SELU', (o) => new nn.SELU(o)),
  GELU: act('GELU', (o) => new nn.GELU(o)),
  SiLU: act('SiLU', (o) => new nn.SiLU(o)),
  Mish: act('Mish', (o) => new nn.Mish(o)),
  Sigmoid: act('Sigmoid', (o) => new nn.Sigmoid(o as never)),
  Tanh: act('Tanh', (o) => new nn.Tanh(o as never)),
  LogSigmoid: act('LogSigmoid', (o) => new nn.LogSigmoid(o as never)),
  Hardtanh: act('Hardtanh', (o) => new nn.Hardtanh(o)),
  Hardsigmoid: act('Hardsigmoid', (o) => new nn.Hardsigmoid(o)),
  Hardswish: act('Hardswish', (o) => new nn.Hardswish(o)),
  Softplus: act('Softplus', (o) => new nn.Softplus(o)),
  Softsign: act('Softsign', (o) => new nn.Softsign(o as never)),
  Tanhshrink: act('Tanhshrink', (o) => new nn.Tanhshrink(o as never)),
  Hardshrink: act('Hardshrink', (o) => new nn.Hardshrink(o)),
  Softshrink: act('Softshrink', (o) => new nn.Softshrink(o)),
  Threshold: act('Threshold', (o) => new nn.Threshold(0.1, 0, o)),
  Softmax: {
    make: (o) => new nn.Softmax({ dim: 1, ...o }),
    inputs: () => [f(2, 3)],
    cases: () => [
      [
        'a dim out of range',
        () => new nn.Softmax({ dim: 2 }).forward(f(2, 3)),
        'Softmax: dimension out of range',
        '2',
      ],
    ],
  },
  LogSoftmax: {
    make: (o) => new nn.LogSoftmax({ dim: 1, ...o }),
    inputs: () => [f(2, 3)],
    cases: () => [
      ['a dim out of range', () => new nn.LogSoftmax({ dim: -3 }).forward(f(2, 3)), 'LogSoftmax:', '-3'],
    ],
  },
  Softmin: {
    make: (o) => new nn.Softmin({ dim: 1, ...o }),
    inputs: () => [f(2, 3)],
    cases: (m) => [
      [
        'a dim out of range',
        () => new nn.Softmin({ dim: 3 }).forward(f(2, 3)),
        'Softmin: dimension out of range',
        '3',
      ],
      ...float('Softmin', 2, 3)(m),
    ],
  },
  // ---- linear, conv
  Identity: {
    make: () => new nn.Identity(),
    inputs: () => [f(2)],
    noCtorOptions: true,
    cases: (m) => [
      [
        'a disposed tensor',
        () => {
          const x = f(2);
          x.dispose();
          return m.forward(x);
        },
        'Identity: Tensor was disposed',
      ],
    ],
  },
  Linear: {
    make: (o) => new nn.Linear(3, 2, o),
    inputs: () => [f(4, 3)],
    cases: (m) => [
      ['the wrong number of features', () => m.forward(f(4, 5)), 'Linear', '3', '5'],
      ['an int32 input', () => m.forward(int(4, 3)), 'Linear', 'float', 'int32'],
    ],
  },
  Bilinear: {
    make: (o) => new nn.Bilinear(3, 4, 2, o),
    inputs: () => [f(5, 3), f(5, 4)],
    cases: (m) => [
      [
        'a non-tensor second input',
        () => m.forward(f(5, 3), [1, 2]),
        'Bilinear: expected input2 to be a Tensor',
      ],
      ['mismatched features', () => m.forward(f(5, 4), f(5, 4)), 'Bilinear', 'input1', '3'],
    ],
  },
  Conv1d: {
    make: (o) => new nn.Conv1d(2, 4, 3, o),
    inputs: () => [f(1, 2, 5)],
    cases: rank('Conv1d', () => f(5), '2-D (unbatched) or 3-D'),
  },
  Conv2d: {
    make: (o) => new nn.Conv2d(2, 4, 3, o),
    inputs: () => [f(1, 2, 5, 5)],
    cases: rank('Conv2d', () => f(5, 5), '3-D (unbatched) or 4-D'),
  },
  Conv3d: {
    make: (o) => new nn.Conv3d(2, 4, 3, o),
    inputs: () => [f(1, 2, 4, 4, 4)],
    cases: (m) => [['an int32 input', () => m.forward(int(1, 2, 4, 4, 4)), 'Conv3d', 'float', 'int32']],
  },
  ConvTranspose1d: {
    make: (o) => new nn.ConvTranspose1d(2, 4, 3, o),
    inputs: () => [f(1, 2, 5)],
    forwardOptions: true,
    cases: fwdOption('ConvTranspose1d', () => [f(1, 2, 5)], 'outputsize', 'outputSize'),
  },
  ConvTranspose2d: {
    make: (o) => new nn.ConvTranspose2d(2, 4, 3, o),
    inputs: () => [f(1, 2, 5, 5)],
    forwardOptions: true,
    cases: rank('ConvTranspose2d', () => f(2, 2, 2, 2, 2), '3-D (unbatched) or 4-D'),
  },
  ConvTranspose3d: {
    make: (o) => new nn.ConvTranspose3d(2, 4, 3, o),
    inputs: () => [f(1, 2, 3, 3, 3)],
    forwardOptions: true,
    cases: fwdOption('ConvTranspose3d', () => [f(1, 2, 3, 3, 3)], 'size', 'outputSize'),
  },
  // ---- normalisation, dropout, shape
  BatchNorm1d: {
    make: (o) => new nn.BatchNorm1d(3, o),
    inputs: () => [f(4, 3)],
    cases: rank('BatchNorm1d', () => f(4, 3, 2, 2), '2-D or 3-D'),
  },
  BatchNorm2d: {
    make: (o) => new nn.BatchNorm2d(3, o),
    inputs: () => [f(2, 3, 2, 2)],
    cases: rank('BatchNorm2d', () => f(2, 3), '4-D'),
  },
  BatchNorm3d: {
    make: (o) => new nn.BatchNorm3d(3, o),
    inputs: () => [f(2, 3, 2, 2, 2)],
    cases: (m) => [
      ['the wrong channel count', () => m.forward(f(2, 4, 2, 2, 2)), 'BatchNorm3d', '3 channels', '4'],
    ],
  },
  LayerNorm: {
    make: (o) => new nn.LayerNorm([3], o),
    inputs: () => [f(2, 3)],
    cases: rank('LayerNorm', () => f(2, 4), 'normalizedShape=[3]'),
  },
  RMSNorm: {
    make: (o) => new nn.RMSNorm([3], o),
    inputs: () => [f(2, 3)],
    cases: rank('RMSNorm', () => f(3, 2), '[3, 2]'),
  },
  GroupNorm: {
    make: (o) => new nn.GroupNorm(2, 4, o),
    inputs: () => [f(2, 4, 3)],
    cases: rank('GroupNorm', () => f(4), '[N, 4, *]'),
  },
  Dropout: {
    make: (o) => new nn.Dropout(o),
    inputs: () => [f(2, 3)],
    cases: (m) => [
      ...float('Dropout', 2, 3)(m),
      // PyTorch's positional Dropout(0.2) would otherwise be silently ignored (p stays 0.5).
      [
        'a positional p',
        () => new nn.Dropout(0.2 as never),
        'Dropout: expected options to be an object',
        'got number 0.2',
        'valid options: p, inplace',
      ],
    ],
  },
  Dropout1d: {
    make: (o) => new nn.Dropout1d(o),
    inputs: () => [f(2, 3, 4)],
    cases: rank('Dropout1d', () => f(2, 3, 4, 5), '2D (unbatched) or 3D'),
  },
  Dropout2d: {
    make: (o) => new nn.Dropout2d(o),
    inputs: () => [f(2, 3, 4, 4)],
    cases: rank('Dropout2d', () => f(4), '3D (unbatched) or 4D'),
  },
  Dropout3d: {
    make: (o) => new nn.Dropout3d(o),
    inputs: () => [f(1, 2, 2, 2, 2)],
    cases: rank('Dropout3d', () => f(4), '4D (unbatched) or 5D'),
  },
  AlphaDropout: {
    make: (o) => new nn.AlphaDropout(o),
    inputs: () => [f(2, 3)],
    cases: float('AlphaDropout', 2, 3),
  },
  Flatten: {
    make: (o) => new nn.Flatten(o),
    inputs: () => [f(2, 3, 4)],
    cases: () => [
      [
        'a start dim out of range',
        () => new nn.Flatten({ startDim: 5 }).forward(f(2, 3)),
        'Flatten: dimension out of range',
        '5',
      ],
    ],
  },
  Unflatten: {
    make: () => new nn.Unflatten(1, [2, 2]),
    inputs: () => [f(3, 4)],
    noCtorOptions: true,
    cases: rank('Unflatten', () => f(3, 5), '5'),
  },
  Embedding: {
    make: (o) => new nn.Embedding(5, 3, o),
    inputs: () => [int(2, 3)],
    cases: (m) => [['a float index tensor', () => m.forward(f(2, 3)), 'Embedding', 'int32', 'float32']],
  },
  // ---- pooling
  MaxPool1d: { make: (o) => new nn.MaxPool1d(2, o), ...pool(1), cases: poolRank('MaxPool1d', 1) },
  MaxPool2d: { make: (o) => new nn.MaxPool2d(2, o), ...pool(2), cases: poolRank('MaxPool2d', 2) },
  MaxPool3d: { make: (o) => new nn.MaxPool3d(2, o), ...pool(3), cases: float('MaxPool3d', 1, 2, 4, 4, 4) },
  AvgPool1d: { make: (o) => new nn.AvgPool1d(2, o), ...pool(1), cases: float('AvgPool1d', 1, 2, 4) },
  AvgPool2d: { make: (o) => new nn.AvgPool2d(2, o), ...pool(2), cases: poolRank('AvgPool2d', 2) },
  AvgPool3d: { make: (o) => new nn.AvgPool3d(2, o), ...pool(3), cases: poolRank('AvgPool3d', 3) },
  AdaptiveAvgPool1d: {
    make: () => new nn.AdaptiveAvgPool1d(2),
    ...pool(1),
    noCtorOptions: true,
    cases: poolRank('AdaptiveAvgPool1d', 1),
  },
  AdaptiveAvgPool2d: {
    make: () => new nn.AdaptiveAvgPool2d(2),
    ...pool(2),
    noCtorOptions: true,
    cases: float('AdaptiveAvgPool2d', 1, 2, 4, 4),
  },
  AdaptiveAvgPool3d: {
    make: () => new nn.AdaptiveAvgPool3d(2),
    ...pool(3),
    noCtorOptions: true,
    cases: poolRank('AdaptiveAvgPool3d', 3),
  },
  AdaptiveMaxPool1d: {
    make: (o) => new nn.AdaptiveMaxPool1d(2, o),
    ...pool(1),
    cases: poolRank('AdaptiveMaxPool1d', 1),
  },
  AdaptiveMaxPool2d: {
    make: (o) => new nn.AdaptiveMaxPool2d(2, o),
    ...pool(2),
    cases: poolRank('AdaptiveMaxPool2d', 2),
  },
  AdaptiveMaxPool3d: {
    make: (o) => new nn.AdaptiveMaxPool3d(2, o),
    ...pool(3),
    cases: float('AdaptiveMaxPool3d', 1, 2, 4, 4, 4),
  },
};
