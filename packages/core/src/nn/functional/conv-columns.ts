/**
 * The composed (im2col) pieces of convolution: column matrices as strided views of the
 * input, and their adjoint. Internal; conv-nd.ts and conv2d-ops.ts build the fallbacks of
 * backends without fused convolution kernels from these.
 */
import { permute, reshape } from '../../ops/view.js';
import type { Tensor } from '../../tensor/tensor.js';
import { col2im, windows } from './windows.js';

/** Product of a shape's dims. */
export const prod = (a: readonly number[]) => a.reduce((p, v) => p * v, 1);
/** [from, from + 1, ..., from + n - 1]. */
export const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

/** [N, C, ...S] padded input -> [G, Cg*K, N*L] column matrix (one copy). */
export function columns(
  xp: Tensor,
  groups: number,
  k: readonly number[],
  stride: readonly number[],
  dil: readonly number[],
): Tensor {
  const d = k.length;
  const [N, C] = xp.shape;
  const cols = windows(xp, k, stride, dil); // [N, C, ...k, ...o]
  const o = cols.shape.slice(2 + d);
  const split = reshape(cols, [N, groups, C / groups, ...k, ...o]);
  const moved = permute(split, [1, 2, ...range(d, 3), 0, ...range(d, 3 + d)]);
  return reshape(moved, [groups, (C / groups) * prod(k), N * prod(o)]);
}

/** [G, Cg*K, N*L] columns -> [N, C, ...size] by summing the windows back (col2im). */
export function fromColumns(
  cm: Tensor,
  N: number,
  C: number,
  o: readonly number[],
  size: readonly number[],
  k: readonly number[],
  stride: readonly number[],
  dil: readonly number[],
): Tensor {
  const d = k.length;
  const G = cm.shape[0];
  const split = reshape(cm, [G, C / G, ...k, N, ...o]);
  const moved = permute(split, [2 + d, 0, 1, ...range(d, 2), ...range(d, 3 + d)]);
  return reshape(col2im(moved, size, k, stride, dil), [N, C, ...size]);
}

/** [G, Og, N*L] -> [N, O, ...o]. */
export function fromMatrix(m: Tensor, N: number, o: readonly number[]): Tensor {
  const [G, Og] = m.shape;
  const moved = permute(reshape(m, [G, Og, N, prod(o)]), [2, 0, 1, 3]);
  return reshape(moved, [N, G * Og, ...o]);
}

/** [N, O, ...o] -> [G, Og, N*L]. */
export function toMatrix(g: Tensor, groups: number): Tensor {
  const [N, O] = g.shape;
  const L = prod(g.shape.slice(2));
  const moved = permute(reshape(g, [N, groups, O / groups, L]), [1, 2, 0, 3]);
  return reshape(moved, [groups, O / groups, N * L]);
}
