/**
 * Sliding windows as strided views (im2col without a copy) and their adjoint (col2im), the
 * building blocks of convolution and pooling. Internal: not part of F.
 *
 * `windows(x)` views the trailing d spatial dims of x as [...lead, k1..kd, o1..od]; the
 * element (κ, o) reads x at o*stride + κ*dilation. Its gradient is `col2im`, which adds
 * every window back into place; col2im's gradient is `windows` again, so both are
 * differentiable to any order.
 */

import { attach } from '../../autograd/node.js';
import { kernels } from '../../backend/compute.js';
import { empty } from '../../ops/kernel.js';
import { fmtShape } from '../../tensor/shape.js';
import { makeView, type Tensor } from '../../tensor/tensor.js';

/** Normalise an int-or-tuple argument to a d-tuple of positive (or non-negative) integers. */
export function tuple(
  v: number | readonly number[] | undefined,
  d: number,
  fallback: number,
  name: string,
  what: string,
  min = 1,
): number[] {
  const t =
    v === undefined
      ? new Array<number>(d).fill(fallback)
      : typeof v === 'number'
        ? new Array<number>(d).fill(v)
        : [...v];
  if (t.length === 1 && d > 1) return new Array<number>(d).fill(t[0]);
  if (t.length !== d || t.some((x) => !Number.isInteger(x) || x < min)) {
    throw new RangeError(
      `${name}: ${what} must be ${min > 0 ? 'a positive' : 'a non-negative'} integer or a tuple of ${d}, got ${JSON.stringify(v)}`,
    );
  }
  return t;
}

/** Number of windows along one dim (floor mode). */
export function windowCount(size: number, k: number, stride: number, dilation: number): number {
  return Math.floor((size - dilation * (k - 1) - 1) / stride) + 1;
}

/**
 * View the last k.length dims of x as windows: [...lead, ...k, ...o]. `outSize` overrides
 * the number of windows per dim (it must fit inside x).
 */
export function windows(
  x: Tensor,
  k: readonly number[],
  stride: readonly number[],
  dilation: readonly number[],
  outSize?: readonly number[],
): Tensor {
  x._check('windows');
  const d = k.length;
  const lead = x.ndim - d;
  const spatial = x.shape.slice(lead);
  const o = outSize ?? spatial.map((s, i) => windowCount(s, k[i], stride[i], dilation[i]));
  o.forEach((n, i) => {
    if (n < 0 || (n > 0 && (n - 1) * stride[i] + dilation[i] * (k[i] - 1) + 1 > spatial[i])) {
      throw new RangeError(`windows: ${n} windows of size ${k[i]} do not fit in ${spatial[i]}`);
    }
  });
  const ss = x.strides.slice(lead);
  const shape = [...x.shape.slice(0, lead), ...k, ...o];
  const strides = [
    ...x.strides.slice(0, lead),
    ...ss.map((s, i) => s * dilation[i]),
    ...ss.map((s, i) => s * stride[i]),
  ];
  const out = makeView(x, shape, strides, x.offset);
  return attach(out, 'windows', [x], [], (g) => [col2im(g, spatial, k, stride, dilation)]);
}

/**
 * The adjoint of `windows`: cols [...lead, ...k, ...o] summed into zeros [...lead, ...size].
 * One strided in-place add per kernel offset; within one offset the targets are distinct,
 * so overlapping windows accumulate correctly.
 */
export function col2im(
  cols: Tensor,
  size: readonly number[],
  k: readonly number[],
  stride: readonly number[],
  dilation: readonly number[],
): Tensor {
  cols._check('col2im');
  const d = k.length;
  const lead = cols.ndim - 2 * d;
  if (lead < 0 || k.some((n, i) => cols.shape[lead + i] !== n)) {
    throw new RangeError(`col2im: columns ${fmtShape(cols.shape)} do not match kernel ${fmtShape(k)}`);
  }
  const leadShape = cols.shape.slice(0, lead);
  const o = cols.shape.slice(lead + d);
  const out = empty([...leadShape, ...size], cols.dtype, cols.backend);
  const backend = cols.backend;
  if (out.size > 0) backend.fill(out._view(), 0);
  if (cols.size > 0) {
    const src = cols._view('col2im');
    const dst = out._view();
    const outSp = out.strides.slice(lead);
    const shape = [...leadShape, ...o];
    const srcStrides = [...cols.strides.slice(0, lead), ...cols.strides.slice(lead + d)];
    const dstStrides = [...out.strides.slice(0, lead), ...outSp.map((s, i) => s * stride[i])];
    const kStrides = cols.strides.slice(lead, lead + d);
    const K = k.reduce((a, b) => a * b, 1);
    const kappa = new Array<number>(d).fill(0);
    for (let n = 0; n < K; n++) {
      let r = n;
      for (let i = d - 1; i >= 0; i--) {
        kappa[i] = r % k[i];
        r = Math.floor(r / k[i]);
      }
      let srcOff = src.offset;
      let dstOff = 0;
      for (let i = 0; i < d; i++) {
        srcOff += kappa[i] * kStrides[i];
        dstOff += kappa[i] * dilation[i] * outSp[i];
      }
      const target = { ...dst, shape, strides: dstStrides, offset: dstOff };
      kernels(backend).binary('add', target, { ...src, shape, strides: srcStrides, offset: srcOff }, target);
    }
  }
  return attach(out, 'col2im', [cols], [], (g) => [windows(g, k, stride, dilation, o)]);
}
