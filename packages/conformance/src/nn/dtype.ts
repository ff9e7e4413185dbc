/**
 * Module cases of the half-ops rows: a module built from fixture attrs is float32; its
 * float16/bfloat16 row gives it the input's dtype first, as `module.half()` in PyTorch (the
 * reference's buffers are in that dtype too), so no float32 buffer promotes the result.
 */
import * as L from '@layers/core';

/** `m` converted to `x`'s dtype when `x` is float16/bfloat16; otherwise `m` as it is. */
export function inDTypeOf<M extends L.nn.Module>(m: M, x: L.Tensor): M {
  return L.isHalf(x.dtype) ? m.to({ dtype: x.dtype }) : m;
}
