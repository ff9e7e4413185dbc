import { describe, expect, it } from 'vitest';
import { promoteTypes, scalarDType } from '../src/tensor/dtype.js';
import {
  broadcastShapes,
  broadcastStrides,
  contiguousStrides,
  inferShape,
  isContiguous,
  normDims,
  viewStrides,
} from '../src/tensor/shape.js';

describe('shape arithmetic', () => {
  it('broadcasts both ways and names both shapes when it cannot', () => {
    expect(broadcastShapes([2, 1, 3], [4, 1], 'add')).toEqual([2, 4, 3]);
    expect(broadcastShapes([], [5], 'add')).toEqual([5]);
    expect(() => broadcastShapes([2, 3], [4], 'add')).toThrow(
      'add: shapes [2, 3] and [4] cannot be broadcast',
    );
    expect(broadcastStrides([3, 1], [1, 1], [2, 3, 4])).toEqual([0, 1, 0]);
  });

  it('computes views the way PyTorch does, refusing impossible ones', () => {
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(viewStrides([2, 3, 4], [12, 4, 1], [6, 4])).toEqual([4, 1]);
    // A transposed [3, 2] (strides [1, 3]) cannot be flattened without a copy...
    expect(viewStrides([3, 2], [1, 3], [6])).toBeNull();
    // ...but can gain size-1 dims.
    expect(viewStrides([3, 2], [1, 3], [3, 1, 2])).not.toBeNull();
    expect(isContiguous([3, 1, 2], [2, 99, 1])).toBe(true);
    expect(inferShape([-1, 4], 12, 'view')).toEqual([3, 4]);
    expect(() => inferShape([5, -1], 12, 'view')).toThrow(
      "view: shape '[5, -1]' is invalid for input of size 12",
    );
  });

  it('normalises dims with PyTorch error text', () => {
    expect(normDims([-1, 0], 3, 'sum')).toEqual([0, 2]);
    expect(() => normDims(3, 3, 'sum')).toThrow(
      'sum: dimension out of range (expected to be in range of [-3, 2], but got 3)',
    );
    expect(() => normDims([1, -2], 3, 'sum')).toThrow('dim appears multiple times');
  });

  it('promotes dtypes as PyTorch (bool < int < float; scalars are weak)', () => {
    expect(promoteTypes('int32', 'float32')).toBe('float32');
    expect(promoteTypes('bool', 'int32')).toBe('int32');
    expect(scalarDType(2, 'int32')).toBe('int32');
    expect(scalarDType(2.5, 'int32')).toBe('float32');
    expect(scalarDType(1, 'bool')).toBe('int32');
  });
});
