/** What importModel refuses, and how it says so. */

import { type Tensor, tensor } from '@layers/core';
import { describe, expect, it } from 'vitest';
import { importModel, supportedOperators } from '../src/import/index.js';
import type { TensorProto } from '../src/proto/index.js';
import { attr, FLOAT, INT64, info, model } from './import-builder.js';
import { modelBytes, useCpu } from './import-helpers.js';

useCpu();

describe('importModel errors', () => {
  it('lists every unsupported operator with a node name, and what is supported', () => {
    const bytes = model(
      [
        { opType: 'Relu', input: ['x'], output: ['a'], name: 'relu' },
        { opType: 'NonMaxSuppression', input: ['a'], output: ['b'], name: 'nms' },
        { opType: 'FusedGemm', domain: 'com.microsoft', input: ['b'], output: ['c'], name: 'fused' },
        { opType: 'NonMaxSuppression', input: ['c'], output: ['y'], name: 'nms2' },
      ],
      [info('x', FLOAT, [2, 3])],
      [info('y', FLOAT, [2, 3])],
    );
    expect(() => importModel(bytes)).toThrow(
      "ONNX import: unsupported operators NonMaxSuppression (2 nodes, first 'nms'), com.microsoft::FusedGemm (node 'fused'). layers supports: ",
    );
    expect(() => importModel(bytes)).toThrow(supportedOperators().join(', '));
    expect(supportedOperators()).toEqual(
      expect.arrayContaining(['Conv', 'Gemm', 'LSTM', 'GRU', 'Resize', 'Where']),
    );
  });

  it('a shape computed from tensor data is an error saying so, not a readback', () => {
    // Reshape's target shape comes from the input values (Cast of a device tensor).
    const bytes = model(
      [
        {
          opType: 'Cast',
          input: ['s'],
          output: ['si'],
          name: 'cast',
          attribute: [attr.i('to', INT64)],
        },
        { opType: 'Reshape', input: ['x', 'si'], output: ['y'], name: 'reshape' },
      ],
      [info('x', FLOAT, [2, 3]), info('s', FLOAT, [2])],
      [info('y', FLOAT, [3, 2])],
    );
    const m = importModel(bytes);
    expect(() =>
      m.forward(
        tensor([
          [1, 2, 3],
          [4, 5, 6],
        ]),
        tensor([3, 2]),
      ),
    ).toThrow(
      /Reshape node 'reshape' needs its input shape on the host, but it is computed from tensor data \(a data-dependent shape\)/,
    );
  });

  it('an int64 value outside int32 is an error naming it', () => {
    const big: TensorProto = { name: 'big', dataType: INT64, dims: [1], int64Data: [2 ** 40] };
    const bytes = model(
      [{ opType: 'Add', input: ['x', 'big'], output: ['y'], name: 'add' }],
      [info('x', INT64, [1])],
      [info('y', INT64, [1])],
      { initializer: [big] },
    );
    const m = importModel(bytes);
    expect(() => m.forward(tensor([1], { dtype: 'int32' }))).toThrow(
      "ONNX import: input B of Add node 'add' holds the int64 value 1099511627776 at element 0, outside int32",
    );
  });

  it('checks the inputs against the graph: count, dtype and static dims', () => {
    const m = importModel(modelBytes('cnn', 17));
    expect(() => m.forward()).toThrow('ONNX import: the model takes 1 input(s) (x), got 0');
    expect(() => m.forward(tensor([[[[1]]]], { dtype: 'int32' }))).toThrow(
      "ONNX import: input 'x' is float, so it expects a float32 tensor, got int32",
    );
    const wrong = tensor(new Float32Array(2 * 3 * 8 * 9), { shape: [2, 3, 8, 9] });
    expect(() => m.forward(wrong)).toThrow(
      "ONNX import: input 'x' has shape [batch, 3, 9, 9], got [2, 3, 8, 9]",
    );
  });

  it('an attribute value PyTorch never computes is an error naming it', () => {
    const W: TensorProto = {
      name: 'W',
      dataType: FLOAT,
      dims: [1, 6, 2],
      floatData: new Array(12).fill(0.1),
    };
    const R: TensorProto = {
      name: 'R',
      dataType: FLOAT,
      dims: [1, 6, 2],
      floatData: new Array(12).fill(0.1),
    };
    const bytes = model(
      [
        {
          opType: 'GRU',
          input: ['x', 'W', 'R'],
          output: ['y'],
          name: 'gru',
          attribute: [attr.i('hidden_size', 2)],
        },
      ],
      [info('x', FLOAT, [3, 1, 2])],
      [info('y', FLOAT, [3, 1, 1, 2])],
      { initializer: [W, R] },
    );
    const m = importModel(bytes);
    expect(() => m.forward(tensor(new Float32Array(6), { shape: [3, 1, 2] }))).toThrow(
      "ONNX import: GRU node 'gru' has linear_before_reset=0, which layers does not support (1: PyTorch's GRU applies the reset gate after the hidden projection)",
    );
  });

  it('refuses opsets it does not implement', () => {
    const bytes = model(
      [{ opType: 'Relu', input: ['x'], output: ['y'] }],
      [info('x', FLOAT, [1])],
      [info('y', FLOAT, [1])],
      {
        opset: 9,
      },
    );
    expect(() => importModel(bytes)).toThrow(
      'ONNX import: the model uses opset 9; layers imports opsets 11 to 18',
    );
  });

  it('an output that is an initializer or input is a copy: disposing it leaves the model intact', async () => {
    const bytes = model(
      [
        { opType: 'Identity', input: ['w'], output: ['a'], name: 'id' },
        { opType: 'Identity', input: ['x'], output: ['b'], name: 'id2' },
      ],
      [info('x', FLOAT, [2])],
      [info('a', FLOAT, [2]), info('b', FLOAT, [2])],
      { initializer: [{ name: 'w', dataType: FLOAT, dims: [2], floatData: [1.5, -2] }] },
    );
    const m = importModel(bytes);
    const x = tensor([3, 4]);
    for (const t of m.forward(x) as Tensor[]) t.dispose();
    expect(x.isDisposed).toBe(false);
    const [a, b] = m.forward(x) as Tensor[];
    expect([...(await a.data())]).toEqual([1.5, -2]);
    expect([...(await b.data())]).toEqual([3, 4]);
  });
});
