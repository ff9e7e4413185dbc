/**
 * The validation table, part 2: losses, recurrent layers, attention and transformers,
 * upsampling, and the containers (which take modules, not tensors).
 */
import * as L from '@layers/core';
import { type Case, type Entry, f, float, fwdOption, int, type Mod, nn, rank } from './validation-table.js';

const encoderLayer = () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 });
const decoderLayer = () => new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 });
const seq = () => [f(3, 2, 8)];
const tgtMem = () => [f(4, 2, 8), f(3, 2, 8)];
const mha = () => [f(3, 2, 4), f(3, 2, 4), f(3, 2, 4)];

export const SEQ_ENTRIES: Record<string, Entry> = {
  // ---- losses
  MSELoss: {
    make: (o) => new nn.MSELoss(o),
    inputs: () => [f(3), f(3)],
    cases: (m) => [
      ['a non-tensor target', () => m.forward(f(3), [1, 2, 3]), 'MSELoss: expected target to be a Tensor'],
    ],
  },
  L1Loss: {
    make: (o) => new nn.L1Loss(o),
    inputs: () => [f(3), f(3)],
    cases: (m) => [['an int32 input', () => m.forward(int(3), f(3)), 'L1Loss', 'float', 'int32']],
  },
  SmoothL1Loss: {
    make: (o) => new nn.SmoothL1Loss(o),
    inputs: () => [f(3), f(3)],
    cases: (m) => [
      ['shapes that do not broadcast', () => m.forward(f(3), f(2)), 'SmoothL1Loss', '[3]', '[2]'],
    ],
  },
  HuberLoss: {
    make: (o) => new nn.HuberLoss(o),
    inputs: () => [f(3), f(3)],
    cases: (m) => [
      [
        'an undefined target',
        () => m.forward(f(3)),
        'HuberLoss: expected target to be a Tensor, got undefined',
      ],
    ],
  },
  NLLLoss: {
    make: (o) => new nn.NLLLoss(o),
    inputs: () => [f(2, 3), int(2)],
    cases: (m) => [['a float target', () => m.forward(f(2, 3), f(2)), 'NLLLoss', 'int32', 'float32']],
  },
  CrossEntropyLoss: {
    make: (o) => new nn.CrossEntropyLoss(o),
    inputs: () => [f(2, 3), int(2)],
    cases: (m) => [
      ['a target of the wrong shape', () => m.forward(f(2, 3), int(3)), 'CrossEntropyLoss', '[2]', '[3]'],
    ],
  },
  BCELoss: {
    make: (o) => new nn.BCELoss(o),
    inputs: () => [L.rand([3]), L.rand([3])],
    cases: (m) => [
      ['a target of another shape', () => m.forward(L.rand([3]), L.rand([3, 1])), 'BCELoss', '[3]', '[3, 1]'],
    ],
  },
  BCEWithLogitsLoss: {
    make: (o) => new nn.BCEWithLogitsLoss(o),
    inputs: () => [f(3), L.rand([3])],
    cases: (m) => [
      ['an int32 input', () => m.forward(int(3), L.rand([3])), 'BCEWithLogitsLoss', 'float', 'int32'],
    ],
  },
  KLDivLoss: {
    make: (o) => new nn.KLDivLoss(o),
    inputs: () => [f(3), L.rand([3])],
    cases: (m) => [['an int32 target', () => m.forward(f(3), int(3)), 'KLDivLoss', 'float', 'int32']],
  },
  CosineEmbeddingLoss: {
    make: (o) => new nn.CosineEmbeddingLoss(o),
    inputs: () => [f(2, 3), f(2, 3), L.tensor([1, -1])],
    cases: (m) => [
      [
        'a 3-D input',
        () => m.forward(f(2, 3, 1), f(2, 3, 1), L.tensor([1, -1])),
        'CosineEmbeddingLoss',
        '1-D (unbatched) or 2-D',
      ],
    ],
  },
  // ---- recurrent
  RNN: {
    make: (o) => new nn.RNN(3, 4, o),
    arity: 2,
    inputs: () => [f(5, 2, 3)],
    cases: (m) => [
      ['a non-tensor h0', () => m.forward(f(5, 2, 3), [0]), 'RNN: expected h0 to be a Tensor'],
      ['a 1-D input', () => m.forward(f(3)), 'RNN', '2-D (unbatched) or 3-D'],
    ],
  },
  LSTM: {
    make: (o) => new nn.LSTM(3, 4, o),
    arity: 2,
    inputs: () => [f(5, 2, 3)],
    cases: (m) => [
      [
        'a tensor for hx',
        () => m.forward(f(5, 2, 3), f(1, 2, 4)),
        'LSTM: expected hx to be a pair [h, c] of Tensors',
      ],
    ],
  },
  GRU: {
    make: (o) => new nn.GRU(3, 4, o),
    arity: 2,
    inputs: () => [f(5, 2, 3)],
    cases: float('GRU', 5, 2, 3),
  },
  RNNCell: {
    make: (o) => new nn.RNNCell(3, 4, o),
    arity: 2,
    inputs: () => [f(2, 3)],
    cases: rank('RNNCell', () => f(1, 2, 3), '1-D (unbatched) or 2-D'),
  },
  LSTMCell: {
    make: (o) => new nn.LSTMCell(3, 4, o),
    arity: 2,
    inputs: () => [f(2, 3)],
    cases: (m) => [
      [
        'a non-tensor c in hx',
        () => m.forward(f(2, 3), [f(2, 4), 0]),
        'LSTMCell: expected hx[1] to be a Tensor',
      ],
    ],
  },
  GRUCell: {
    make: (o) => new nn.GRUCell(3, 4, o),
    arity: 2,
    inputs: () => [f(2, 3)],
    cases: (m) => [['the wrong features', () => m.forward(f(2, 5)), 'GRUCell', '3 features', '5']],
  },
  // ---- attention and transformers
  MultiheadAttention: {
    make: (o) => new nn.MultiheadAttention(4, 2, o),
    inputs: mha,
    forwardOptions: true,
    cases: (m) => [
      [
        'a non-tensor key',
        () => m.forward(f(3, 2, 4), [1], f(3, 2, 4)),
        'MultiheadAttention: expected key to be a Tensor',
      ],
      ...fwdOption('MultiheadAttention', mha, 'mask', 'attnMask')(m),
    ],
  },
  TransformerEncoderLayer: {
    make: (o) => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, ...o }),
    inputs: seq,
    forwardOptions: true,
    cases: (m) => [
      ...fwdOption('TransformerEncoderLayer', seq, 'mask', 'srcMask')(m),
      [
        'a mask given positionally',
        () => m.forward(f(3, 2, 8), L.zeros([3, 3])),
        'TransformerEncoderLayer: expected forward options to be an object',
      ],
      ['a 1-D src', () => m.forward(f(8)), 'TransformerEncoderLayer', '2-D (unbatched) or 3-D'],
    ],
  },
  TransformerDecoderLayer: {
    make: (o) => new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, ...o }),
    inputs: tgtMem,
    forwardOptions: true,
    cases: (m) => [
      [
        'no memory',
        () => m.forward(f(4, 2, 8)),
        'TransformerDecoderLayer: expected memory to be a Tensor, got undefined',
      ],
      ...fwdOption('TransformerDecoderLayer', tgtMem, 'tgtmask', 'tgtMask')(m),
    ],
  },
  TransformerEncoder: {
    make: (o) => new nn.TransformerEncoder(encoderLayer(), 1, o),
    inputs: seq,
    forwardOptions: true,
    cases: fwdOption('TransformerEncoder', seq, 'srcMask', 'mask'),
  },
  TransformerDecoder: {
    make: (o) => new nn.TransformerDecoder(decoderLayer(), 1, o),
    inputs: tgtMem,
    forwardOptions: true,
    cases: (m) => [
      [
        'a 4-D tgt',
        () => m.forward(f(1, 4, 2, 8), f(3, 2, 8)),
        'TransformerDecoderLayer',
        '2-D (unbatched) or 3-D',
      ],
    ],
  },
  Transformer: {
    make: (o) =>
      new nn.Transformer({
        dModel: 8,
        nhead: 2,
        numEncoderLayers: 1,
        numDecoderLayers: 1,
        dimFeedforward: 16,
        dropout: 0,
        ...o,
      }),
    inputs: () => [f(3, 2, 8), f(4, 2, 8)],
    forwardOptions: true,
    cases: (m) => [
      ...fwdOption('Transformer', () => [f(3, 2, 8), f(4, 2, 8)], 'mask', 'srcMask')(m),
      ['the wrong feature count', () => m.forward(f(3, 2, 6), f(4, 2, 6)), 'Transformer', 'dModel (8)'],
    ],
  },
  // ---- upsampling
  Upsample: {
    make: (o) => new nn.Upsample({ scaleFactor: 2, ...o }),
    inputs: () => [f(1, 1, 2, 2)],
    cases: rank('Upsample', () => f(2, 2), '3-D, 4-D or 5-D'),
  },
  UpsamplingNearest2d: {
    make: (o) => new nn.UpsamplingNearest2d({ scaleFactor: 2, ...o }),
    inputs: () => [f(1, 1, 2, 2)],
    cases: () => [
      [
        'a mode (fixed by the class)',
        () => new nn.UpsamplingNearest2d({ mode: 'bilinear' } as never),
        "UpsamplingNearest2d: unknown option 'mode'",
      ],
    ],
  },
  UpsamplingBilinear2d: {
    make: (o) => new nn.UpsamplingBilinear2d({ scaleFactor: 2, ...o }),
    inputs: () => [f(1, 1, 2, 2)],
    cases: float('UpsamplingBilinear2d', 1, 1, 2, 2),
  },
};

/** Containers: their inputs are modules, and ModuleList/ModuleDict are not callable. */
export const CONTAINERS: Record<string, () => Case[]> = {
  Sequential: () => {
    const m: Mod = new nn.Sequential(new nn.Linear(3, 2), new nn.ReLU6());
    return [
      ['two inputs', () => m.forward(f(4, 3), f(4, 3)), 'Sequential: forward takes 1 input', '2 arguments'],
      ['undefined', () => m.forward(undefined), 'Sequential', 'got undefined for input'],
      // The array reaches the first layer, which names itself.
      ['a plain array', () => m.forward([1, 2, 3]), 'Linear: expected input to be a Tensor'],
      [
        'a non-module element',
        () => new nn.Sequential(new nn.ReLU(), 3 as never),
        'Sequential: argument 1 must be a Module',
      ],
    ];
  },
  ModuleList: () => [
    ['a call to forward', () => new nn.ModuleList([new nn.ReLU()]).forward(), 'ModuleList is not callable'],
    [
      'a non-module element',
      () => new nn.ModuleList([1 as never]),
      'ModuleList: element 0 must be a Module, got number 1',
    ],
    [
      'a module instead of a list',
      () => new nn.ModuleList(new nn.ReLU() as never),
      'ModuleList: expected an iterable of Modules',
    ],
  ],
  ModuleDict: () => [
    [
      'a call to forward',
      () => new nn.ModuleDict({ a: new nn.ReLU() }).forward(),
      'ModuleDict is not callable',
    ],
    [
      'a non-module entry',
      () => new nn.ModuleDict({ a: 'relu' as never }),
      "ModuleDict: entry 'a' must be a Module",
    ],
    [
      'a module instead of a record',
      () => new nn.ModuleDict(new nn.ReLU() as never),
      'ModuleDict: expected an object of named Modules',
    ],
  ],
};

/** Every class exported from nn that is a Module subclass. */
