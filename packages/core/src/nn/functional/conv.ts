/**
 * F.conv1d/2d/3d and F.convTranspose1d/2d/3d with torch.nn.functional's semantics:
 * weight [out, in/groups, ...k] (transposed: [in, out/groups, ...k]), optional bias,
 * int-or-tuple stride/padding/dilation, padding 'same'/'valid', groups, unbatched inputs.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { type ConvOptions, type ConvTransposeOptions, convNd, convTransposeNd } from './conv-nd.js';

export type { ConvOptions, ConvTransposeOptions, IntOrTuple } from './conv-nd.js';

/**
 * 1-d convolution of `x` `[N, Cin, L]` (or `[Cin, L]`) with `weight` `[Cout, Cin / groups, K]` and optional
 * `bias` `[Cout]`.
 */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvOptions): Tensor {
  return convNd('conv1d', 1, x, weight, bias, opts);
}

/**
 * 2-d convolution of `x` `[N, Cin, H, W]` (or unbatched) with `weight` `[Cout, Cin / groups, kH, kW]` and
 * optional `bias` `[Cout]`.
 * Throws when channels, groups or ranks disagree, naming the shapes.
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvOptions): Tensor {
  return convNd('conv2d', 2, x, weight, bias, opts);
}

/**
 * 3-d convolution of `x` `[N, Cin, D, H, W]` (or unbatched) with `weight` `[Cout, Cin / groups, kD, kH,
 * kW]`.
 */
export function conv3d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvOptions): Tensor {
  return convNd('conv3d', 3, x, weight, bias, opts);
}

/** 1-d transposed convolution of `x` `[N, Cin, L]` with `weight` `[Cin, Cout / groups, K]`. */
export function convTranspose1d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts?: ConvTransposeOptions,
): Tensor {
  return convTransposeNd('convTranspose1d', 1, x, weight, bias, opts);
}

/** 2-d transposed convolution of `x` `[N, Cin, H, W]` with `weight` `[Cin, Cout / groups, kH, kW]`. */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts?: ConvTransposeOptions,
): Tensor {
  return convTransposeNd('convTranspose2d', 2, x, weight, bias, opts);
}

/** 3-d transposed convolution of `x` `[N, Cin, D, H, W]` with `weight` `[Cin, Cout / groups, kD, kH, kW]`. */
export function convTranspose3d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts?: ConvTransposeOptions,
): Tensor {
  return convTransposeNd('convTranspose3d', 3, x, weight, bias, opts);
}
