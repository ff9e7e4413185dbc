/**
 * Automatic mixed precision (torch.autocast): inside `autocast(fn)`, the ops that gain from
 * low precision (matmul, linear, convolutions) run in float16 or bfloat16, and the ops that
 * need range or accuracy (softmax, norms, losses, sums, exp/log/pow) run in float32,
 * whatever their inputs' float dtypes; everything else runs in its inputs' dtype, and ops of
 * mixed inputs (add, cat, stack) widen by the usual promotion. As PyTorch's lists for 1.13
 * (CUDA's "lower_precision_fp" and "fp32" policies, which CPU autocast shares in spirit).
 *
 * The scope is synchronous, like noGrad: the mode is a global flag that cannot follow an
 * await, so an async function is refused before it runs.
 */
import { AsyncFunction } from '../autograd/grad-mode.js';
import { getBackend, hasBackend } from '../backend/registry.js';
import { cast } from '../ops/view.js';
import { checkDType, isFloat } from '../tensor/dtype.js';
import { isHalf } from '../tensor/half.js';
import type { Tensor } from '../tensor/tensor.js';

/** Options of {@link autocast}. */
export interface AutocastOptions {
  /**
   * The low-precision dtype. Default: 'float16' on the webgpu backend (PyTorch's CUDA
   * default), 'bfloat16' elsewhere (PyTorch's CPU default).
   */
  dtype?: 'float16' | 'bfloat16';
  /** false runs `fn` without autocast (and turns it off inside an outer scope). Default true. */
  enabled?: boolean;
}

let current: 'float16' | 'bfloat16' | null = null;

/**
 * Run `fn` under automatic mixed precision (torch.autocast). `fn` must be synchronous (an async
 * function is a TypeError, before it runs); call `backward()` outside, as in PyTorch.
 *
 * @example
 * ```ts
 * const scaler = new GradScaler();
 * const loss = autocast(() => lossFn.forward(model.forward(x), y), { dtype: 'float16' });
 * scaler.scale(loss).backward();
 * await scaler.step(opt);
 * scaler.update();
 * ```
 */
export function autocast<T>(fn: () => T, opts: AutocastOptions = {}): T {
  if (fn instanceof AsyncFunction) {
    throw new TypeError(
      'autocast: the function must be synchronous (got an async function); the mode cannot hold across an await. ' +
        'Await outside and run the ops in a synchronous callback: `const x = await t.data(); autocast(() => ...)`',
    );
  }
  const dtype = opts.dtype ?? (hasBackend() && getBackend().name === 'webgpu' ? 'float16' : 'bfloat16');
  if (!isHalf(checkDType(dtype, 'autocast'))) {
    throw new TypeError(`autocast: dtype must be 'float16' or 'bfloat16', got '${dtype}'`);
  }
  const prev = current;
  current = (opts.enabled ?? true) ? dtype : null;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

/** The dtype of the innermost enabled autocast scope, or null outside one. */
export function autocastDtype(): 'float16' | 'bfloat16' | null {
  return current;
}

/** @internal An op on the low-precision list: float tensors cast to the autocast dtype. */
export function castLow<T extends Tensor | null | undefined>(t: T): T {
  if (!current || !t || !isFloat(t.dtype) || t.dtype === current) return t;
  return cast(t, current) as T;
}

/** @internal An op on the float32 list: 16-bit float tensors cast to float32. */
export function castF32<T extends Tensor | null | undefined>(t: T): T {
  if (!current || !t || !isHalf(t.dtype)) return t;
  return cast(t, 'float32') as T;
}

/** @internal Whether {@link castLow} would cast any of `ts` (ops recurse inside tidy when so). */
export function wantsLow(...ts: (Tensor | null | undefined)[]): boolean {
  return current !== null && ts.some((t) => t && isFloat(t.dtype) && t.dtype !== current);
}

/** @internal Whether {@link castF32} would cast any of `ts`. */
export function wantsF32(...ts: (Tensor | null | undefined)[]): boolean {
  return current !== null && ts.some((t) => t && isHalf(t.dtype));
}
