/**
 * Composite ops on 16-bit floats. A fused kernel (conv2d, layerNorm, softmax) already computes
 * in float32 and rounds once (backend/compute.ts); composed from primitives, each primitive
 * would round its own result, drifting several ulps from PyTorch's kernels, which accumulate
 * in float. So without the kernel the composition runs on float32 copies of the 16-bit inputs
 * and its result is rounded once (the casts are differentiable).
 */
import { cast } from '../../ops/view.js';
import { isHalf } from '../../tensor/half.js';
import { tidy } from '../../tensor/scope.js';
import type { Tensor } from '../../tensor/tensor.js';

/** `t` as float32 when it is float16/bfloat16 (otherwise itself). */
export function widen<T extends Tensor | null | undefined>(t: T): T {
  return (t && isHalf(t.dtype) ? cast(t, 'float32') : t) as T;
}

/**
 * When `x` is 16-bit: `run(widen)` in float32, rounded back to x's dtype; else null (the
 * caller runs as usual). `run` receives {@link widen} for its other tensor arguments.
 */
export function composeInFloat32(x: Tensor, run: (w: typeof widen) => Tensor): Tensor | null {
  if (!isHalf(x.dtype)) return null;
  const dtype = x.dtype;
  return tidy(() => cast(run(widen), dtype));
}
