/**
 * Operator forms PyTorch 1.13 never writes (opset-18 inputs, auto_pad, asymmetric pads, reverse
 * and batch-major recurrences, ...), checked against onnxruntime, an independent implementation
 * of the ONNX specification, on hand-built graphs.
 */

import { fromTypedArray, type Tensor } from '@layers/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { importModel } from '../src/import/index.js';
import type { NodeProto, TensorProto } from '../src/proto/index.js';
import { attr, BOOL, FLOAT, floats, INT64, info, int64s, model } from './import-builder.js';
import { expectClose, useCpu } from './import-helpers.js';

const cpu = useCpu();

interface Case {
  nodes: NodeProto[];
  /** Float inputs by name and shape (values are seeded normals); int64 inputs by data. */
  inputs: Record<string, number[] | { int64: number[]; shape: number[] }>;
  outputs: Record<string, number>;
  init?: TensorProto[];
  opset?: number;
}

/** Seeded normals (Box-Muller on a 32-bit LCG), so every run feeds the same values. */
function normals(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

const node = (
  opType: string,
  input: string[],
  output: string[],
  attribute = [] as NodeProto['attribute'],
): NodeProto => ({
  opType,
  input,
  output,
  attribute,
  name: `${opType}_${output[0]}`,
});

const CASES: Record<string, Case> = {
  'opset-18 reductions with an axes input': {
    opset: 18,
    nodes: [
      'ReduceL1',
      'ReduceL2',
      'ReduceSumSquare',
      'ReduceMax',
      'ReduceMin',
      'ReduceMean',
      'ReduceLogSumExp',
    ].map((op, k) => node(op, ['x', 'axes'], [`y${k}`], [attr.i('keepdims', k % 2)])),
    inputs: { x: [2, 3, 4] },
    init: [int64s('axes', [1, -1])],
    outputs: { y0: FLOAT, y1: FLOAT, y2: FLOAT, y3: FLOAT, y4: FLOAT, y5: FLOAT, y6: FLOAT },
  },
  'opset-18 Split by num_outputs (uneven) and Pad with axes': {
    opset: 18,
    nodes: [
      node('Split', ['x'], ['a', 'b', 'c'], [attr.i('axis', 2), attr.i('num_outputs', 3)]),
      node('Pad', ['x', 'pads', '', 'axes'], ['p'], [attr.s('mode', 'reflect')]),
      node('Pad', ['x', 'pads', 'v', 'axes'], ['q']),
      node('Pad', ['x', 'pads2'], ['r'], [attr.s('mode', 'edge')]),
    ],
    inputs: { x: [2, 3, 7] },
    init: [
      int64s('pads', [1, 2]),
      int64s('axes', [-1]),
      floats('v', [0.25], []),
      int64s('pads2', [0, 1, 2, 0, 2, 1]),
    ],
    outputs: { a: FLOAT, b: FLOAT, c: FLOAT, p: FLOAT, q: FLOAT, r: FLOAT },
  },
  'GroupNormalization (opset 18, per-group scale) and Mish': {
    opset: 18,
    nodes: [
      node('GroupNormalization', ['x', 's', 'b'], ['g'], [attr.i('num_groups', 2), attr.f('epsilon', 1e-3)]),
      node('Mish', ['x'], ['m']),
    ],
    inputs: { x: [2, 4, 5] },
    init: [floats('s', [0.5, 2], [2]), floats('b', [0.1, -0.3], [2])],
    outputs: { g: FLOAT, m: FLOAT },
  },
  'activations with non-default attributes': {
    nodes: [
      node('Shrink', ['x'], ['a'], [attr.f('lambd', 0.7), attr.f('bias', 0.2)]),
      node('ThresholdedRelu', ['x'], ['b'], [attr.f('alpha', 0.3)]),
      node('HardSigmoid', ['x'], ['c'], [attr.f('alpha', 0.3), attr.f('beta', 0.4)]),
      node('Selu', ['x'], ['d'], [attr.f('alpha', 1.5), attr.f('gamma', 0.9)]),
      node('Elu', ['x'], ['e'], [attr.f('alpha', 0.4)]),
      node('Softsign', ['x'], ['f']),
      node('Clip', ['x', '', 'hi'], ['g']),
      node('Trilu', ['x', 'k'], ['h'], [attr.i('upper', 0)]),
      node('Trilu', ['x'], ['i']),
    ],
    inputs: { x: [3, 4] },
    init: [floats('hi', [0.5], []), int64s('k', [1], [])],
    outputs: { a: FLOAT, b: FLOAT, c: FLOAT, d: FLOAT, e: FLOAT, f: FLOAT, g: FLOAT, h: FLOAT, i: FLOAT },
  },
  'Gemm with transA, alpha and beta; variadic Max / Min / Sum / Mean': {
    nodes: [
      node('Gemm', ['a', 'b', 'c'], ['y'], [attr.i('transA', 1), attr.f('alpha', 0.5), attr.f('beta', 2)]),
      node('Max', ['c', 'd', 'e'], ['mx']),
      node('Min', ['c', 'd', 'e'], ['mn']),
      node('Sum', ['c', 'd', 'e'], ['sm']),
      node('Mean', ['c', 'd', 'e'], ['me']),
    ],
    inputs: { a: [4, 3], b: [4, 5], c: [3, 5], d: [1, 5], e: [3, 1] },
    outputs: { y: FLOAT, mx: FLOAT, mn: FLOAT, sm: FLOAT, me: FLOAT },
  },
  'Conv with SAME_UPPER and asymmetric pads; ConvTranspose with asymmetric pads, dilation, groups': {
    nodes: [
      node('Conv', ['x', 'w'], ['a'], [attr.s('auto_pad', 'SAME_UPPER'), attr.ints('strides', [2, 2])]),
      node('Conv', ['x', 'w'], ['b'], [attr.ints('pads', [0, 1, 2, 0])]),
      node(
        'ConvTranspose',
        ['x', 'wt', 'bt'],
        ['c'],
        [
          attr.ints('pads', [1, 0, 0, 2]),
          attr.ints('strides', [2, 1]),
          attr.ints('dilations', [1, 2]),
          attr.i('group', 2),
        ],
      ),
    ],
    inputs: { x: [2, 4, 6, 5], w: [3, 4, 3, 2], wt: [4, 2, 2, 3], bt: [4] },
    outputs: { a: FLOAT, b: FLOAT, c: FLOAT },
  },
  'MaxPool SAME_LOWER and asymmetric pads, AveragePool counting pads, GlobalMaxPool': {
    nodes: [
      node(
        'MaxPool',
        ['x'],
        ['a'],
        [attr.ints('kernel_shape', [3, 2]), attr.s('auto_pad', 'SAME_LOWER'), attr.ints('strides', [2, 2])],
      ),
      node('MaxPool', ['x'], ['b'], [attr.ints('kernel_shape', [2, 2]), attr.ints('pads', [1, 0, 0, 1])]),
      node(
        'AveragePool',
        ['x'],
        ['c'],
        [
          attr.ints('kernel_shape', [3, 3]),
          attr.ints('pads', [1, 1, 1, 1]),
          attr.i('count_include_pad', 1),
          attr.ints('strides', [2, 2]),
        ],
      ),
      node(
        'AveragePool',
        ['x'],
        ['d'],
        [attr.ints('kernel_shape', [2, 3]), attr.i('ceil_mode', 1), attr.ints('strides', [2, 2])],
      ),
      node('GlobalMaxPool', ['x'], ['e']),
    ],
    inputs: { x: [2, 3, 7, 6] },
    outputs: { a: FLOAT, b: FLOAT, c: FLOAT, d: FLOAT, e: FLOAT },
  },
  'LayerNormalization over two axes with a broadcast scale; opset-11 Softmax on 3-D': {
    opset: 17,
    nodes: [
      node('LayerNormalization', ['x', 's', 'b'], ['y'], [attr.i('axis', -2), attr.f('epsilon', 1e-3)]),
    ],
    inputs: { x: [2, 3, 4] },
    init: [floats('s', [1, 2, 3, 4], [4]), floats('b', [0.5, 0, 0, -0.5], [4])],
    outputs: { y: FLOAT },
  },
  'Softmax and LogSoftmax at opset 11 (coerced to 2-D at axis 1)': {
    opset: 11,
    nodes: [node('Softmax', ['x'], ['a']), node('LogSoftmax', ['x'], ['b'], [attr.i('axis', 2)])],
    inputs: { x: [2, 3, 4] },
    outputs: { a: FLOAT, b: FLOAT },
  },
  // (onnxruntime's CPU kernels do not implement layout=1, so the batch-major form is not checked here.)
  'LSTM in reverse, LSTM with only initial_h, bidirectional GRU, Relu RNN': {
    opset: 14,
    nodes: [
      node(
        'LSTM',
        ['x', 'w', 'r', 'b'],
        ['y1', 'h1', 'c1'],
        [attr.i('hidden_size', 3), attr.s('direction', 'reverse')],
      ),
      node('LSTM', ['x', 'w', 'r', '', '', 'h0'], ['y2', 'h2'], [attr.i('hidden_size', 3)]),
      node(
        'GRU',
        ['x', 'gw', 'gr', 'gb', '', 'gh0'],
        ['y3', 'h3'],
        [attr.i('hidden_size', 3), attr.s('direction', 'bidirectional'), attr.i('linear_before_reset', 1)],
      ),
      node(
        'RNN',
        ['x', 'rw', 'rr', 'rb'],
        ['y4'],
        [attr.i('hidden_size', 3), attr.strings('activations', ['Relu'])],
      ),
    ],
    inputs: {
      x: [5, 2, 4],
      w: [1, 12, 4],
      r: [1, 12, 3],
      b: [1, 24],
      h0: [1, 2, 3],
      gw: [2, 9, 4],
      gr: [2, 9, 3],
      gb: [2, 18],
      gh0: [2, 2, 3],
      rw: [1, 3, 4],
      rr: [1, 3, 3],
      rb: [1, 6],
    },
    outputs: { y1: FLOAT, h1: FLOAT, c1: FLOAT, y2: FLOAT, h2: FLOAT, y3: FLOAT, h3: FLOAT, y4: FLOAT },
  },
  'Resize with sizes, align_corners and cubic': {
    nodes: [
      node(
        'Resize',
        ['x', '', '', 'sizes'],
        ['a'],
        [
          attr.s('mode', 'nearest'),
          attr.s('coordinate_transformation_mode', 'asymmetric'),
          attr.s('nearest_mode', 'floor'),
        ],
      ),
      node(
        'Resize',
        ['x', '', 'scales'],
        ['b'],
        [attr.s('mode', 'linear'), attr.s('coordinate_transformation_mode', 'align_corners')],
      ),
      node(
        'Resize',
        ['x', '', 'scales'],
        ['c'],
        [attr.s('mode', 'cubic'), attr.s('coordinate_transformation_mode', 'half_pixel')],
      ),
    ],
    inputs: { x: [1, 2, 4, 5] },
    init: [int64s('sizes', [1, 2, 7, 3]), floats('scales', [1, 1, 2, 1.5], [4])],
    outputs: { a: FLOAT, b: FLOAT, c: FLOAT },
  },
  'Slice with a negative step, Gather with negative and 2-D indices, ArgMax, CastLike, Size, Dropout mask, Mod, DepthToSpace (DCR), SpaceToDepth':
    {
      nodes: [
        node('Slice', ['x', 'st', 'en', 'ax', 'sp'], ['a']),
        node('Gather', ['x', 'gi'], ['b'], [attr.i('axis', 1)]),
        node('ArgMax', ['x'], ['c'], [attr.i('axis', 2), attr.i('keepdims', 0)]),
        node('CastLike', ['c', 'x'], ['d']),
        node('Size', ['x'], ['e']),
        node('Dropout', ['x'], ['f', 'g']),
        node('Mod', ['ints', 'm'], ['h'], [attr.i('fmod', 1)]),
        node('DepthToSpace', ['x4'], ['j'], [attr.i('blocksize', 2)]),
        node('SpaceToDepth', ['x4'], ['k'], [attr.i('blocksize', 2)]),
        node('Mod', ['ints', 'm'], ['i']),
      ],
      inputs: { x: [2, 5, 6], x4: [1, 8, 4, 6], ints: { int64: [-7, -3, 0, 4, 9, 13], shape: [6] } },
      init: [
        int64s('st', [-1, 4]),
        int64s('en', [-100, 0]),
        int64s('ax', [2, 1]),
        int64s('sp', [-2, -1]),
        int64s('gi', [-1, 0, 2, -2], [2, 2]),
        int64s('m', [-4, 3, 5, 4, -5, 3]),
      ],
      outputs: {
        a: FLOAT,
        b: FLOAT,
        c: INT64,
        d: FLOAT,
        e: INT64,
        f: FLOAT,
        g: BOOL,
        h: INT64,
        j: FLOAT,
        k: FLOAT,
        i: INT64,
      },
    },
};

function ortTensor(t: ort.Tensor): { dtype: 'float32' | 'int64'; shape: number[]; data: number[] } {
  const data = Array.from(t.data as ArrayLike<number | bigint | boolean>, (v) => Number(v));
  return { dtype: 'float32', shape: [...t.dims], data };
}

describe('importModel matches onnxruntime on forms PyTorch does not export', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, async () => {
      const inputNames = Object.keys(c.inputs);
      const feeds: Record<string, ort.Tensor> = {};
      const ours: Tensor[] = [];
      inputNames.forEach((n, k) => {
        const spec = c.inputs[n];
        if (Array.isArray(spec)) {
          const data = normals(
            spec.reduce((p, d) => p * d, 1),
            17 + k,
          );
          feeds[n] = new ort.Tensor('float32', data, spec);
          ours.push(fromTypedArray(data, spec, cpu()));
        } else {
          feeds[n] = new ort.Tensor('int64', BigInt64Array.from(spec.int64.map(BigInt)), spec.shape);
          ours.push(fromTypedArray(Int32Array.from(spec.int64), spec.shape, cpu()));
        }
      });
      const inputs = inputNames.map((n) => {
        const spec = c.inputs[n];
        return Array.isArray(spec) ? info(n, FLOAT, spec) : info(n, INT64, spec.shape);
      });
      const outputs = Object.entries(c.outputs).map(([n, t]) => info(n, t, null));
      const bytes = model(c.nodes, inputs, outputs, { initializer: c.init, opset: c.opset });
      const session = await ort.InferenceSession.create(bytes);
      const expected = await session.run(feeds);
      const m = importModel(bytes, { backend: cpu() });
      const got = m.forward(...ours);
      const gotList = Array.isArray(got) ? got : [got];
      for (const [k, o] of Object.keys(c.outputs).entries()) {
        await expectClose(gotList[k], ortTensor(expected[o]), `${name}: ${o}`);
      }
      expect(gotList.length).toBe(Object.keys(c.outputs).length);
    });
  }
});

it('a batch-major (layout=1) LSTM equals the time-major one on transposed data', async () => {
  // onnxruntime has no layout=1 kernel, so the reference is its layout=0 result, transposed.
  const lstm = (layout: number, x: number[]) =>
    model(
      [
        node(
          'LSTM',
          ['x', 'w', 'r', 'b', '', 'h0'],
          ['y', 'h'],
          [attr.i('hidden_size', 3), attr.i('layout', layout), attr.s('direction', 'bidirectional')],
        ),
      ],
      [
        info('x', FLOAT, x),
        info('w', FLOAT, [2, 12, 4]),
        info('r', FLOAT, [2, 12, 3]),
        info('b', FLOAT, [2, 24]),
        info('h0', FLOAT, layout ? [3, 2, 3] : [2, 3, 3]),
      ],
      [info('y', FLOAT, null), info('h', FLOAT, null)],
    );
  const dims = { x: [5, 3, 4], w: [2, 12, 4], r: [2, 12, 3], b: [2, 24], h0: [2, 3, 3] };
  const data = Object.fromEntries(
    Object.entries(dims).map(([n, d], k) => [
      n,
      normals(
        d.reduce((p, v) => p * v, 1),
        40 + k,
      ),
    ]),
  );
  const feeds = Object.fromEntries(
    Object.entries(dims).map(([n, d]) => [n, new ort.Tensor('float32', data[n], d)]),
  );
  const expected = await (await ort.InferenceSession.create(lstm(0, dims.x))).run(feeds);
  const t = (n: keyof typeof dims) => fromTypedArray(data[n], dims[n], cpu());
  const m = importModel(lstm(1, [3, 5, 4]), { backend: cpu() });
  // layout=1: X [B, T, I], initial_h [B, dirs, H], Y [B, T, dirs, H], Y_h [B, dirs, H].
  const [y, h] = m.forward(
    t('x').transpose(0, 1).contiguous(),
    t('w'),
    t('r'),
    t('b'),
    t('h0').transpose(0, 1).contiguous(),
  ) as Tensor[];
  await expectClose(y.permute([1, 2, 0, 3]).contiguous(), ortTensor(expected.y), 'layout=1 Y');
  await expectClose(h.transpose(0, 1).contiguous(), ortTensor(expected.h), 'layout=1 Y_h');
});
