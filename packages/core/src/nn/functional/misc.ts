/** Small functional helpers without a module of their own: F.normalize. */
import { tidy } from '../../tensor/scope.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions } from '../validate.js';
import { requireFloat } from './linear.js';

/** x / max(||x||_p along dim, eps), as torch.nn.functional.normalize. */
export function normalize(x: Tensor, opts: { p?: number; dim?: number; eps?: number } = {}): Tensor {
  requireFloat(x, 'normalize');
  checkOptions('normalize', opts, ['p', 'dim', 'eps']);
  const p = opts.p ?? 2;
  const dim = opts.dim ?? 1;
  const eps = opts.eps ?? 1e-12;
  return tidy(() => {
    const norm =
      p === 2
        ? x.square().sum(dim, { keepdim: true }).sqrt()
        : p === Number.POSITIVE_INFINITY
          ? x.abs().max(dim, { keepdim: true })
          : x
              .abs()
              .pow(p)
              .sum(dim, { keepdim: true })
              .pow(1 / p);
    return x.div(norm.clamp(eps));
  });
}
