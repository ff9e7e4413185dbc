/**
 * Rearrangements of channels and pixels (torch.nn.functional.pixel_shuffle, pixel_unshuffle,
 * channel_shuffle): reshapes and one permute each, so gradients are the inverse moves.
 */
import { tidy } from '../../tensor/scope.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkTensor } from '../validate.js';

function checkFactor(layer: string, what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1)
    throw new RangeError(`${layer}: ${what} must be a positive integer, got ${v}`);
}

function checkRank3(layer: string, x: Tensor): void {
  if (x.ndim < 3) {
    throw new RangeError(
      `${layer} expected an input (*, C, H, W) with at least 3 dims, got shape ${fmtShape(x.shape)}`,
    );
  }
}

/**
 * `(*, C r^2, H, W)` to `(*, C, H r, W r)`: each group of r^2 channels becomes an r x r block of pixels
 * (sub-pixel convolution's upsampling). `layer` names the caller in errors.
 */
export function pixelShuffle(x: Tensor, upscaleFactor: number, layer = 'pixelShuffle'): Tensor {
  checkTensor(layer, 'input', x);
  checkFactor(layer, 'upscaleFactor', upscaleFactor);
  checkRank3(layer, x);
  const r = upscaleFactor;
  const lead = x.shape.slice(0, -3);
  const [cr, h, w] = x.shape.slice(-3);
  if (cr % (r * r) !== 0) {
    throw new RangeError(
      `${layer}: the channel dim (${cr}) of input ${fmtShape(x.shape)} must be divisible by upscaleFactor^2 (${r * r})`,
    );
  }
  const c = cr / (r * r);
  const k = lead.length;
  return tidy(() =>
    x
      .reshape([...lead, c, r, r, h, w])
      .permute([...lead.map((_, i) => i), k, k + 3, k + 1, k + 4, k + 2])
      .reshape([...lead, c, h * r, w * r]),
  );
}

/** `(*, C, H r, W r)` to `(*, C r^2, H, W)`: the inverse of {@link pixelShuffle}. */
export function pixelUnshuffle(x: Tensor, downscaleFactor: number, layer = 'pixelUnshuffle'): Tensor {
  checkTensor(layer, 'input', x);
  checkFactor(layer, 'downscaleFactor', downscaleFactor);
  checkRank3(layer, x);
  const r = downscaleFactor;
  const lead = x.shape.slice(0, -3);
  const [c, hr, wr] = x.shape.slice(-3);
  if (hr % r !== 0 || wr % r !== 0) {
    throw new RangeError(
      `${layer}: the height (${hr}) and width (${wr}) of input ${fmtShape(x.shape)} must be divisible by downscaleFactor (${r})`,
    );
  }
  const [h, w] = [hr / r, wr / r];
  const k = lead.length;
  return tidy(() =>
    x
      .reshape([...lead, c, h, r, w, r])
      .permute([...lead.map((_, i) => i), k, k + 2, k + 4, k + 1, k + 3])
      .reshape([...lead, c * r * r, h, w]),
  );
}

/**
 * `(N, C, *)`: the channels, seen as `groups` rows of C / groups, are transposed (ShuffleNet's channel
 * shuffle; torch.nn.ChannelShuffle).
 */
export function channelShuffle(x: Tensor, groups: number, layer = 'channelShuffle'): Tensor {
  checkTensor(layer, 'input', x);
  checkFactor(layer, 'groups', groups);
  if (x.ndim < 3) {
    throw new RangeError(
      `${layer} expected an input (N, C, *) with at least 3 dims, got shape ${fmtShape(x.shape)}`,
    );
  }
  const [n, c] = x.shape;
  if (c % groups !== 0) {
    throw new RangeError(`${layer}: the number of channels (${c}) must be divisible by groups (${groups})`);
  }
  const rest = x.shape.slice(2);
  return tidy(() =>
    x
      .reshape([n, groups, c / groups, ...rest])
      .transpose(1, 2)
      .reshape(x.shape),
  );
}
