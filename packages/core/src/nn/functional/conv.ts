/**
 * F.conv1d/2d/3d and F.convTranspose1d/2d/3d with torch.nn.functional's semantics:
 * weight [out, in/groups, ...k] (transposed: [in, out/groups, ...k]), optional bias,
 * int-or-tuple stride/padding/dilation, padding 'same'/'valid', groups, unbatched inputs.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { type ConvOptions, type ConvTransposeOptions, convNd, convTransposeNd } from './conv-nd.js';

export type { ConvOptions, ConvTransposeOptions, IntOrTuple } from './conv-nd.js';

export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvOptions): Tensor {
  return convNd('conv1d', 1, x, weight, bias, opts);
}

export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvOptions): Tensor {
  return convNd('conv2d', 2, x, weight, bias, opts);
}

export function conv3d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvOptions): Tensor {
  return convNd('conv3d', 3, x, weight, bias, opts);
}

export function convTranspose1d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts?: ConvTransposeOptions,
): Tensor {
  return convTransposeNd('convTranspose1d', 1, x, weight, bias, opts);
}

export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts?: ConvTransposeOptions,
): Tensor {
  return convTransposeNd('convTranspose2d', 2, x, weight, bias, opts);
}

export function convTranspose3d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts?: ConvTransposeOptions,
): Tensor {
  return convTransposeNd('convTranspose3d', 3, x, weight, bias, opts);
}
