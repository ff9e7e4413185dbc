/** PixelShuffle, PixelUnshuffle and ChannelShuffle over F (functional/shuffle.ts). */
import type { Tensor } from '../../tensor/tensor.js';
import { channelShuffle, pixelShuffle, pixelUnshuffle } from '../functional/shuffle.js';
import { Module } from '../module.js';
import { forwardSignature } from '../validate.js';

function positiveInt(layer: string, what: string, v: number): number {
  if (!Number.isInteger(v) || v < 1)
    throw new RangeError(`${layer}: ${what} must be a positive integer, got ${v}`);
  return v;
}

/** `(*, C r^2, H, W)` to `(*, C, H r, W r)` (torch.nn.PixelShuffle). */
export class PixelShuffle extends Module {
  static override signature = forwardSignature('input');
  /** The factor r. */
  readonly upscaleFactor: number;
  /** @param upscaleFactor - r: each r^2 channels become an r x r block. */
  constructor(upscaleFactor: number) {
    super();
    this.upscaleFactor = positiveInt(this.name, 'upscaleFactor', upscaleFactor);
  }
  forward(x: Tensor): Tensor {
    return pixelShuffle(x, this.upscaleFactor, this.name);
  }
  override extraRepr(): string {
    return `upscaleFactor=${this.upscaleFactor}`;
  }
}

/** `(*, C, H r, W r)` to `(*, C r^2, H, W)` (torch.nn.PixelUnshuffle), the inverse of PixelShuffle. */
export class PixelUnshuffle extends Module {
  static override signature = forwardSignature('input');
  /** The factor r. */
  readonly downscaleFactor: number;
  /** @param downscaleFactor - r: each r x r block becomes r^2 channels. */
  constructor(downscaleFactor: number) {
    super();
    this.downscaleFactor = positiveInt(this.name, 'downscaleFactor', downscaleFactor);
  }
  forward(x: Tensor): Tensor {
    return pixelUnshuffle(x, this.downscaleFactor, this.name);
  }
  override extraRepr(): string {
    return `downscaleFactor=${this.downscaleFactor}`;
  }
}

/** Interleaves the channels of `(N, C, *)` across `groups` (torch.nn.ChannelShuffle, as in ShuffleNet). */
export class ChannelShuffle extends Module {
  static override signature = forwardSignature('input');
  /** The number of groups (dividing C). */
  readonly groups: number;
  /** @param groups - the number of channel groups. */
  constructor(groups: number) {
    super();
    this.groups = positiveInt(this.name, 'groups', groups);
  }
  forward(x: Tensor): Tensor {
    return channelShuffle(x, this.groups, this.name);
  }
  override extraRepr(): string {
    return `groups=${this.groups}`;
  }
}
