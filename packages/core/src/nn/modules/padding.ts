/**
 * Padding layers over F.pad (torch.nn.ZeroPad*, ConstantPad*, ReflectionPad*, ReplicationPad*,
 * CircularPad*). `padding` is an int (every side) or the 2 * d side sizes in F.pad's order:
 * (left, right) for 1d, (left, right, top, bottom) for 2d, then (front, back) for 3d.
 * Negative sizes crop, as in PyTorch.
 */
import type { PadMode } from '../../ops/indexing.js';
import { pad } from '../../ops/indexing.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { forwardSignature } from '../validate.js';

/** A padding size: one int for every side, or 2 * d ints (last dim's pair first). */
export type PaddingSize = number | readonly number[];

function sides(layer: string, padding: PaddingSize, d: number): number[] {
  const list = typeof padding === 'number' ? new Array<number>(2 * d).fill(padding) : [...padding];
  if (list.length !== 2 * d || list.some((p) => !Number.isInteger(p))) {
    throw new RangeError(
      `${layer}: padding must be an int or ${2 * d} ints (${d === 1 ? 'left, right' : d === 2 ? 'left, right, top, bottom' : 'left, right, top, bottom, front, back'}), got ${JSON.stringify(padding)}`,
    );
  }
  return list;
}

/** The shared forward: a rank check in the layer's name, then F.pad. */
abstract class PadNd extends Module {
  static override signature = forwardSignature('input');
  /** The 2 * d side sizes, in F.pad's order. */
  readonly padding: readonly number[];
  /** The fill value (constant modes only; 0 otherwise). */
  readonly value: number;
  constructor(
    padding: PaddingSize,
    private readonly d: number,
    private readonly mode: PadMode,
    value = 0,
  ) {
    super();
    this.padding = sides(this.name, padding, d);
    if (typeof value !== 'number')
      throw new TypeError(`${this.name}: expected value to be a number, got ${typeof value}`);
    this.value = value;
  }
  forward(input: Tensor): Tensor {
    const d = this.d;
    const ok = this.mode === 'constant' ? input.ndim >= d : input.ndim === d + 1 || input.ndim === d + 2;
    if (!ok) {
      const want =
        this.mode === 'constant' ? `at least ${d}-D` : `${d + 1}-D (unbatched) or ${d + 2}-D (batched)`;
      throw new RangeError(
        `${this.name}: expected ${want} input, got ${input.ndim}-D input of shape ${fmtShape(input.shape)}`,
      );
    }
    if (this.mode === 'constant') return pad(input, this.padding, { value: this.value });
    return pad(input, this.padding, { mode: this.mode });
  }
  override extraRepr(): string {
    return this.mode === 'constant' && this.value !== 0
      ? `padding=(${this.padding.join(', ')}), value=${this.value}`
      : `(${this.padding.join(', ')})`;
  }
}

/** A padding layer's constructor: the side sizes, then the fill value for the ConstantPad layers. */
type PadLayer<A extends [] | [value: number]> = new (padding: PaddingSize, ...value: A) => PadNd;

/**
 * The layer class of `d` dims and `mode`: each public class below only names one, so it keeps
 * its own name (in errors and repr) and docs.
 */
function padLayer<A extends [] | [value: number] = []>(d: 1 | 2 | 3, mode: PadMode): PadLayer<A> {
  return class extends PadNd {
    constructor(padding: PaddingSize, value = 0) {
      super(padding, d, mode, value);
    }
  } as PadLayer<A>;
}

/** Pads the last dim with zeros (torch.nn.ZeroPad1d); `padding` is an int or (left, right). */
export class ZeroPad1d extends padLayer(1, 'constant') {}
/** Pads the last two dims with zeros (torch.nn.ZeroPad2d); `padding` is an int or (left, right, top, bottom). */
export class ZeroPad2d extends padLayer(2, 'constant') {}
/** Pads the last three dims with zeros (torch.nn.ZeroPad3d); `padding` is an int or 6 sizes. */
export class ZeroPad3d extends padLayer(3, 'constant') {}

/** Pads the last dim with the constant `value` (torch.nn.ConstantPad1d); `padding` is an int or (left, right). */
export class ConstantPad1d extends padLayer<[value: number]>(1, 'constant') {}
/** Pads the last two dims with the constant `value` (torch.nn.ConstantPad2d); `padding` is an int or 4 sizes. */
export class ConstantPad2d extends padLayer<[value: number]>(2, 'constant') {}
/** Pads the last three dims with the constant `value` (torch.nn.ConstantPad3d); `padding` is an int or 6 sizes. */
export class ConstantPad3d extends padLayer<[value: number]>(3, 'constant') {}

/**
 * Mirrors the last dim without repeating the edge (torch.nn.ReflectionPad1d): input (C, W) or
 * (N, C, W); `padding` is an int or (left, right), each below the dim's size.
 */
export class ReflectionPad1d extends padLayer(1, 'reflect') {}
/** Mirrors the last two dims (torch.nn.ReflectionPad2d): input (C, H, W) or (N, C, H, W). */
export class ReflectionPad2d extends padLayer(2, 'reflect') {}
/** Mirrors the last three dims (torch.nn.ReflectionPad3d): input (C, D, H, W) or (N, C, D, H, W). */
export class ReflectionPad3d extends padLayer(3, 'reflect') {}

/** Repeats the edge of the last dim (torch.nn.ReplicationPad1d): input (C, W) or (N, C, W). */
export class ReplicationPad1d extends padLayer(1, 'replicate') {}
/** Repeats the edges of the last two dims (torch.nn.ReplicationPad2d). */
export class ReplicationPad2d extends padLayer(2, 'replicate') {}
/** Repeats the edges of the last three dims (torch.nn.ReplicationPad3d). */
export class ReplicationPad3d extends padLayer(3, 'replicate') {}

/**
 * Wraps the last dim around (torch.nn.CircularPad1d of PyTorch 2.1; F.pad(mode='circular') semantics):
 * input (C, W) or (N, C, W), each size at most the dim's.
 */
export class CircularPad1d extends padLayer(1, 'circular') {}
/** Wraps the last two dims around (torch.nn.CircularPad2d). */
export class CircularPad2d extends padLayer(2, 'circular') {}
/** Wraps the last three dims around (torch.nn.CircularPad3d). */
export class CircularPad3d extends padLayer(3, 'circular') {}
