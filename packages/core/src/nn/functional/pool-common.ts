/** Helpers the pooling files share: input checks, index picking, small array arithmetic. */
import { gatherUnchecked } from '../../ops/indexing.js';
import { expand, squeeze, unsqueeze } from '../../ops/view.js';
import { isFloat } from '../../tensor/dtype.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkTensor } from '../validate.js';

/** [from, from + n). */
export const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);
/** The product of `a`. */
export const prod = (a: readonly number[]) => a.reduce((p, v) => p * v, 1);

/** Checks a pool input of `d` spatial dims; true when it is unbatched. */
export function checkInput(name: string, x: Tensor, d: number): boolean {
  checkTensor(name, 'input', x);
  if (!isFloat(x.dtype)) throw new TypeError(`${name} expected a float input, got ${x.dtype}`);
  if (x.ndim !== d + 1 && x.ndim !== d + 2) {
    throw new RangeError(
      `${name} expected a ${d + 1}-D (unbatched) or ${d + 2}-D (batched) input, got ${x.ndim}-D input of shape ${fmtShape(x.shape)}`,
    );
  }
  if (x.shape.slice(x.ndim - d).some((s) => s === 0)) {
    throw new RangeError(`${name} expected non-empty spatial dims, got input of shape ${fmtShape(x.shape)}`);
  }
  return x.ndim === d + 1;
}

/** Pick indices[..., a] from table [...o, K] broadcast over the leading dims (a < K: an argmax). */
export function pickIndices(table: Tensor, arg: Tensor): Tensor {
  const full = expand(table, [...arg.shape, table.shape[table.ndim - 1]]);
  return squeeze(gatherUnchecked(full, arg.ndim, unsqueeze(arg, arg.ndim)), arg.ndim);
}

/** A max pool's values, with its indices when asked for, without the batch dim it added. */
export function maxResult(
  values: Tensor,
  indices: Tensor | null,
  unbatched: boolean,
): Tensor | [Tensor, Tensor] {
  const v = unbatched ? squeeze(values, 0) : values;
  if (!indices) return v;
  return [v, unbatched ? squeeze(indices, 0) : indices];
}
