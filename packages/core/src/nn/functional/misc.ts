/** Small functional helpers: F.normalize, and F.glu (nn.GLU's). */
import { tidy } from '../../tensor/scope.js';
import { normDim } from '../../tensor/shape.js';
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

/**
 * The gated linear unit `a * sigmoid(b)`, with a and b the halves of x along `dim` (default -1), as
 * torch.nn.functional.glu. `layer` names the caller in errors.
 */
export function glu(x: Tensor, dim = -1, layer = 'glu'): Tensor {
  requireFloat(x, layer);
  if (x.ndim === 0)
    throw new RangeError(`${layer}: glu does not support scalars because halving size must be even`);
  const d = normDim(dim, x.ndim, layer);
  const n = x.shape[d];
  if (n % 2 !== 0) {
    throw new RangeError(`${layer}: halving dimension must be even, but dimension ${d} is size ${n}`);
  }
  return tidy(() => x.narrow(d, 0, n / 2).mul(x.narrow(d, n / 2, n / 2).sigmoid()));
}
