/**
 * Checks and the reduction shared by every loss (internal: not re-exported from F).
 * @internal
 * @packageDocumentation
 */
import { isFloat } from '../../tensor/dtype.js';
import { broadcastShapes, fmtShape, shapeEqual } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { LOSS_KEYS, R } from '../option-keys.js';
import { checkOptions, checkTensor } from '../validate.js';
import type { Reduction } from './loss.js';

/** The option names (LOSS_KEYS[layer]) and the reduction, in the loss's name. */
export function checkReduction(r: string, layer: string, opts: object, allowBatchmean = false): void {
  checkOptions(layer, opts, LOSS_KEYS[layer] ?? R);
  if (r === 'mean' || r === 'sum' || r === 'none' || (allowBatchmean && r === 'batchmean')) return;
  const allowed = allowBatchmean ? "'mean', 'sum', 'none' or 'batchmean'" : "'mean', 'sum' or 'none'";
  throw new RangeError(`${layer}: reduction must be ${allowed}, got '${r}'`);
}

export function requireFloat(t: Tensor, layer: string, what: string): void {
  checkTensor(layer, what, t);
  if (!isFloat(t.dtype)) throw new TypeError(`${layer} expected a float ${what}, got ${t.dtype}`);
}

export function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return loss;
  return reduction === 'sum' ? loss.sum() : loss.mean();
}

/**
 * Pointwise regression losses accept broadcastable targets like PyTorch (which only warns);
 * shapes that cannot broadcast are an error naming both.
 */
export function checkPair(input: Tensor, target: Tensor, layer: string): void {
  requireFloat(input, layer, 'input');
  requireFloat(target, layer, 'target');
  if (shapeEqual(input.shape, target.shape)) return;
  try {
    broadcastShapes(input.shape, target.shape, layer);
  } catch {
    throw new RangeError(
      `${layer} expected target of shape ${fmtShape(input.shape)} (or broadcastable to it) for input of shape ${fmtShape(input.shape)}, got ${fmtShape(target.shape)}`,
    );
  }
}

export function checkSameShape(input: Tensor, target: Tensor, layer: string, what = 'target'): void {
  if (!shapeEqual(input.shape, target.shape)) {
    throw new RangeError(
      `${layer} expected ${what} of shape ${fmtShape(input.shape)} (the input's shape), got ${fmtShape(target.shape)}`,
    );
  }
}
