/**
 * Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_). The scale is
 * computed on the device, min(maxNorm / (norm + 1e-6), 1), so nothing is read back.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { zeros } from '../ops/creation.js';
import { div } from '../ops/elementwise.js';
import { stack } from '../ops/indexing.js';
import { keep, tidy } from '../tensor/scope.js';
import { Tensor } from '../tensor/tensor.js';

/** Options of {@link clipGradNorm_}. */
export interface ClipGradNormOptions {
  /** p of the p-norm; Infinity for the max norm. */
  normType?: number;
  /** Throw when the total norm is NaN or infinite (needs a backend with synchronous readback). */
  errorIfNonfinite?: boolean;
}

function paramList(params: Tensor | Iterable<Tensor>): Tensor[] {
  return params instanceof Tensor ? [params] : [...params];
}

function norm(t: Tensor, p: number): Tensor {
  if (p === Number.POSITIVE_INFINITY) return t.abs().max();
  if (p === 2) return t.square().sum().sqrt();
  if (p === 1) return t.abs().sum();
  return t
    .abs()
    .pow(p)
    .sum()
    .pow(1 / p);
}

/**
 * Scale all gradients together so their combined norm is at most maxNorm. Returns the
 * total norm before clipping, as a 0-d tensor. Like PyTorch, the total is the norm of the
 * per-parameter norms.
 */
export function clipGradNorm_(
  params: Tensor | Iterable<Tensor>,
  maxNorm: number,
  opts: ClipGradNormOptions = {},
): Tensor {
  const p = opts.normType ?? 2;
  const list = paramList(params);
  const grads = list.map((t) => t.grad).filter((g): g is Tensor => g !== null);
  if (grads.length === 0) return zeros([]);
  const total = noGrad(() =>
    tidy(() => {
      const norms = grads.map((g) => norm(g, p));
      const totalNorm = norms.length === 1 ? norms[0] : norm(stack(norms), p);
      if (opts.errorIfNonfinite) {
        if (!totalNorm.backend.readSync) {
          throw new TypeError(
            `clipGradNorm_: errorIfNonfinite needs a synchronous readback, which the ${totalNorm.backend.name} backend lacks; check the returned norm with await norm.item() instead`,
          );
        }
        const v = totalNorm.dataSync()[0];
        if (!Number.isFinite(v)) {
          throw new RangeError(
            `clipGradNorm_: the total norm of order ${p} for gradients is non-finite (${v}), so it cannot be clipped. Set errorIfNonfinite to false to scale anyway`,
          );
        }
      }
      const coef = div(maxNorm, totalNorm.add(1e-6)).clamp(null, 1.0);
      for (const t of list) {
        if (t.grad) t.grad = keep(t.grad.mul(coef));
      }
      return totalNorm;
    }),
  );
  return total;
}

/** Clamp every gradient elementwise to [-clipValue, clipValue]. */
export function clipGradValue_(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  noGrad(() => {
    for (const t of paramList(params)) {
      if (t.grad) {
        const g = t.grad;
        t.grad = keep(tidy(() => g.clamp(-clipValue, clipValue)));
      }
    }
  });
}
