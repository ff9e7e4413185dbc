/** Activation functions: F.relu, F.gelu, F.softmax, ... (other engineers extend this file). */
import { attach } from '../../autograd/node.js';
import { empty } from '../../ops/kernel.js';
import { max as maxOp, sum } from '../../ops/reduce.js';
import { cast, contiguous, detach, transpose } from '../../ops/view.js';
import { tidy } from '../../tensor/scope.js';
import { normDim } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { fusedKernel } from './fused.js';

function softmaxImpl(x: Tensor, dim: number, log: boolean): Tensor {
  const name = log ? 'logSoftmax' : 'softmax';
  return tidy(() => {
    x._check(name);
    const input = x.dtype === 'float32' ? x : cast(x, 'float32');
    if (input.ndim === 0) return log ? input.mul(0) : input.mul(0).add(1);
    const d = normDim(dim, input.ndim, name);
    const last = input.ndim - 1;
    const moved = d === last ? input : transpose(input, d, last);
    const inner = moved.shape[last];
    const outer = moved.size / Math.max(inner, 1);
    let y: Tensor;
    const kernel = fusedKernel(input.backend, 'softmax');
    if (kernel && moved.size > 0) {
      const src = contiguous(detach(moved));
      y = empty(src.shape, 'float32', src.backend);
      kernel(src._view(), y._view(), outer, inner, log);
    } else {
      // Stable fallback: subtract the row maximum before exponentiating.
      const shifted = detach(moved).sub(maxOp(detach(moved), last, { keepdim: true }));
      y = log ? shifted.sub(shifted.exp().sum(last, { keepdim: true }).log()) : shifted.exp();
      if (!log) y = y.div(y.sum(last, { keepdim: true }));
      y = detach(y);
    }
    const out = attach(y, name, [moved], [y], (g, [sy]) =>
      log
        ? [g.sub(sy.exp().mul(sum(g, last, { keepdim: true })))]
        : [sy.mul(g.sub(sum(g.mul(sy), last, { keepdim: true })))],
    );
    return d === last ? out : transpose(out, d, last);
  });
}

/** softmax along `dim`, stable at any magnitude. */
export function softmax(x: Tensor, dim: number): Tensor {
  return softmaxImpl(x, dim, false);
}

/** log(softmax(x)) along `dim`, computed without forming softmax (stable at magnitude 1000). */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return softmaxImpl(x, dim, true);
}
