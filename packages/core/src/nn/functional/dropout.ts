/**
 * Dropout family. In training, each element (or each channel, for dropout1d/2d/3d) is
 * zeroed with probability p and the survivors scaled by 1/(1-p); the mask comes from core's
 * seeded generator. Out of training they are the identity.
 */
import { randomTensor } from '../../ops/creation.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { requireFloat } from './linear.js';

function checkP(p: number, name: string): void {
  if (!(p >= 0 && p <= 1))
    throw new RangeError(`${name}: dropout probability has to be between 0 and 1, but got ${p}`);
}

/** x * mask / (1 - p) with a Bernoulli(1 - p) mask of `maskShape` (broadcast over x). */
function applyMask(x: Tensor, p: number, maskShape: readonly number[]): Tensor {
  return tidy(() => {
    if (p === 1) return x.mul(0);
    const keep = randomTensor('uniform', maskShape, x.backend).lt(1 - p);
    return x.mul(keep).div(1 - p);
  });
}

/**
 * Zero each element with probability `p` (default 0.5) and scale the rest by `1 / (1 - p)` when `training`
 * (default true); else `x` itself. Throws unless p is in [0, 1].
 */
export function dropout(x: Tensor, p = 0.5, training = true, _inplace = false): Tensor {
  checkP(p, 'dropout');
  requireFloat(x, 'Dropout');
  if (!training || p === 0) return x;
  return applyMask(x, p, x.shape);
}

/** Channel-wise dropout: one draw per (batch, channel) over `spatial` trailing dims. */
function channelDropout(x: Tensor, p: number, training: boolean, spatial: number, name: string): Tensor {
  checkP(p, name);
  requireFloat(x, name);
  if (x.ndim !== spatial + 1 && x.ndim !== spatial + 2) {
    throw new RangeError(
      `${name}: Expected ${spatial + 1}D (unbatched) or ${spatial + 2}D (batched) input, but received input of shape ${fmtShape(x.shape)}`,
    );
  }
  if (!training || p === 0) return x;
  const lead = x.ndim - spatial;
  const maskShape = [...x.shape.slice(0, lead), ...new Array<number>(spatial).fill(1)];
  return applyMask(x, p, maskShape);
}

/** Zero whole channels of `[N, C, L]` (or `[C, L]`) with probability `p` when training, scaling the rest. */
export function dropout1d(x: Tensor, p = 0.5, training = true, _inplace = false): Tensor {
  return channelDropout(x, p, training, 1, 'dropout1d');
}

/**
 * 2-D channel dropout. A 3-D input is taken as (N, C, L), as PyTorch has done for
 * historical reasons (it warns), i.e. 1-D channel-wise behaviour.
 */
export function dropout2d(x: Tensor, p = 0.5, training = true, _inplace = false): Tensor {
  requireFloat(x, 'dropout2d');
  if (x.ndim === 3) return channelDropout(x, p, training, 1, 'dropout2d');
  return channelDropout(x, p, training, 2, 'dropout2d');
}

/**
 * Zero whole channels of `[N, C, D, H, W]` (or `[C, D, H, W]`) with probability `p` when training, scaling
 * the rest.
 */
export function dropout3d(x: Tensor, p = 0.5, training = true, _inplace = false): Tensor {
  return channelDropout(x, p, training, 3, 'dropout3d');
}

/**
 * Alpha dropout (for SELU networks): dropped values go to SELU's negative saturation and
 * an affine correction keeps mean 0 and variance 1, as PyTorch's _dropout_impl.
 */
export function alphaDropout(x: Tensor, p = 0.5, training = false, _inplace = false): Tensor {
  checkP(p, 'alphaDropout');
  requireFloat(x, 'AlphaDropout');
  if (!training || p === 0) return x;
  return tidy(() => {
    if (p === 1) return x.mul(0);
    const alpha = 1.7580993408473766;
    const a = 1 / Math.sqrt((alpha * alpha * p + 1) * (1 - p));
    const keep = randomTensor('uniform', x.shape, x.backend)
      .lt(1 - p)
      .float();
    const b = keep
      .sub(1)
      .mul(alpha * a)
      .add(alpha * a * p);
    return x.mul(keep.mul(a)).add(b);
  });
}
