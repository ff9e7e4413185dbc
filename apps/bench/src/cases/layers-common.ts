/**
 * Runners shared by every @layers contender (cpu, wasm, webgpu): they drive a Backend's
 * kernels directly through the Backend interface, as core would, so one file per backend
 * only has to construct the backend.
 */
import type { Backend, View } from '@layers/core';
import { type BenchSpec, benchData, type Runner } from '../harness.js';

function strides(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

function upload(backend: Backend, data: Float32Array, shape: readonly number[]): View {
  const buffer = backend.alloc(data.length, 'float32');
  backend.write(buffer, 'float32', data);
  return { buffer, dtype: 'float32', shape, strides: strides(shape), offset: 0 };
}

function alloc(backend: Backend, shape: readonly number[]): View {
  const size = shape.reduce((a, b) => a * b, 1);
  return {
    buffer: backend.alloc(size, 'float32'),
    dtype: 'float32',
    shape,
    strides: strides(shape),
    offset: 0,
  };
}

function releaseAll(backend: Backend, views: readonly View[]): void {
  for (const v of views) backend.release(v.buffer);
}

/** Kernel-level runner for matmul and conv2d; null for specs that need the tensor API. */
export function kernelRunner(backend: Backend, spec: BenchSpec): Runner | null {
  if (spec.kind === 'matmul') {
    const n = spec.n;
    const a = upload(backend, benchData(n * n, 1), [1, n, n]);
    const b = upload(backend, benchData(n * n, 2), [1, n, n]);
    const out = alloc(backend, [1, n, n]);
    return {
      async step() {
        backend.matmul(a, b, out);
        await backend.read(out.buffer, 'float32', n * n);
      },
      dispose: () => releaseAll(backend, [a, b, out]),
    };
  }
  if (spec.kind === 'conv2d') {
    const conv = backend.fused.conv2d;
    if (!conv) return null;
    const { batch, cin, cout, size, k } = spec;
    const pad = (k - 1) >> 1;
    const padded = size + 2 * pad;
    const x = upload(backend, benchData(batch * cin * size * size, 3), [batch, cin, size, size]);
    const w = upload(backend, benchData(cout * cin * k * k, 4), [cout, cin, k, k]);
    const bias = upload(backend, benchData(cout, 5), [cout]);
    const xp = alloc(backend, [batch, cin, padded, padded]);
    backend.fill(xp, 0);
    // The interior of the padded buffer: core pads this way before calling the kernel.
    const interior: View = { ...xp, shape: x.shape, offset: pad * padded + pad };
    const out = alloc(backend, [batch, cout, size, size]);
    const params = { stride: [1, 1], dilation: [1, 1], groups: 1 } as const;
    return {
      async step() {
        backend.copy(x, interior);
        conv.call(backend.fused, xp, w, bias, out, params);
        await backend.read(out.buffer, 'float32', batch * cout * size * size);
      },
      dispose: () => releaseAll(backend, [x, w, bias, xp, out]),
    };
  }
  return null;
}
