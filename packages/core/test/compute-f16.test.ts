import { describe, expect, it } from 'vitest';
import { kernels } from '../src/backend/compute.js';
import type { Backend, DType, View } from '../src/backend/contract.js';

/** A backend that only records: which dtypes its matmul got, and every copy's dtypes. */
function recorder(float16Kernels?: ReadonlySet<string>) {
  const log = { matmul: [] as DType[][], copies: [] as string[] };
  const backend = {
    name: 'recorder',
    fused: {},
    float16Kernels,
    alloc: () => ({}),
    release: () => {},
    copy: (x: View, out: View) => log.copies.push(`${x.dtype}>${out.dtype}`),
    matmul: (a: View, b: View, out: View) => log.matmul.push([a.dtype, b.dtype, out.dtype]),
  } as unknown as Backend;
  return { backend, log };
}

function view(dtype: DType, shape: number[]): View {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, d) => p * d, 1));
  return { buffer: {}, dtype, shape, strides, offset: 0 };
}

function matmul(backend: Backend, dtype: DType): void {
  kernels(backend).matmul(view(dtype, [1, 2, 3]), view(dtype, [1, 3, 4]), view(dtype, [1, 2, 4]));
}

describe('compute dtype of 16-bit views (backend/compute.ts)', () => {
  it('widens float16 views to float32 temporaries by default', () => {
    const { backend, log } = recorder();
    matmul(backend, 'float16');
    expect(log.matmul).toEqual([['float32', 'float32', 'float32']]);
    expect(log.copies).toEqual(['float16>float32', 'float16>float32', 'float32>float16']);
  });

  it('hands float16 views unconverted to a kernel listed in float16Kernels', () => {
    const { backend, log } = recorder(new Set(['matmul']));
    matmul(backend, 'float16');
    expect(log.matmul).toEqual([['float16', 'float16', 'float16']]);
    expect(log.copies).toEqual([]);
  });

  it('still widens bfloat16 views of a listed kernel', () => {
    const { backend, log } = recorder(new Set(['matmul']));
    matmul(backend, 'bfloat16');
    expect(log.matmul).toEqual([['float32', 'float32', 'float32']]);
    expect(log.copies).toEqual(['bfloat16>float32', 'bfloat16>float32', 'float32>bfloat16']);
  });

  it('still widens float16 views of a kernel not listed', () => {
    const { backend, log } = recorder(new Set(['reduce']));
    matmul(backend, 'float16');
    expect(log.matmul).toEqual([['float32', 'float32', 'float32']]);
    expect(log.copies).toHaveLength(3);
  });
});
