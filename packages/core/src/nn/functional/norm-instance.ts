/**
 * F.instanceNorm and F.localResponseNorm (torch.nn.functional.instance_norm and
 * local_response_norm of PyTorch 1.13): per-sample, per-channel statistics over the spatial
 * dims; running statistics averaged over the batch, with the unbiased variance, as ATen's
 * instance_norm does through batch_norm on an [1, N*C, *] view.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { pad } from '../../ops/indexing.js';
import { detach } from '../../ops/view.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptionalTensor, checkOptions } from '../validate.js';
import { requireFloat } from './linear.js';

/** Options of {@link instanceNorm}. */
export interface InstanceNormOptions {
  /** Running mean `[C]`, updated in place when useInputStats (default none). */
  runningMean?: Tensor | null;
  /** Running unbiased variance `[C]`, updated in place when useInputStats (default none). */
  runningVar?: Tensor | null;
  /** Per-channel scale `[C]` (default none). */
  weight?: Tensor | null;
  /** Per-channel shift `[C]` (default none). */
  bias?: Tensor | null;
  /** Normalise with each sample's statistics (default true); false uses the running ones. */
  useInputStats?: boolean;
  /** Weight of the new statistics in the running ones (default 0.1). */
  momentum?: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

const INSTANCE_NORM_KEYS = [
  'runningMean',
  'runningVar',
  'weight',
  'bias',
  'useInputStats',
  'momentum',
  'eps',
] as const;

function perChannel(t: Tensor, ndim: number): Tensor {
  return t.reshape([1, t.size, ...new Array<number>(ndim - 2).fill(1)]);
}

/**
 * Instance normalisation of x `[N, C, *]`: each (sample, channel) normalised over its spatial dims.
 * `layer` names the caller in errors (the InstanceNorm modules pass theirs).
 */
export function instanceNorm(x: Tensor, opts: InstanceNormOptions = {}, layer = 'instanceNorm'): Tensor {
  requireFloat(x, layer);
  checkOptions(layer, opts, INSTANCE_NORM_KEYS);
  const { runningMean = null, runningVar = null, weight = null, bias = null } = opts;
  for (const [k, t] of Object.entries({ runningMean, runningVar, weight, bias }))
    checkOptionalTensor(layer, k, t);
  if (x.ndim < 3) {
    throw new RangeError(
      `${layer} expected an input [N, C, *] with at least 3 dims, got shape ${fmtShape(x.shape)}`,
    );
  }
  const c = x.shape[1];
  for (const [name, t] of [
    ['running_mean', runningMean],
    ['running_var', runningVar],
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (t && t.size !== c) {
      throw new RangeError(
        `${layer}: expected ${name} to have ${c} elements (input channels), got shape ${fmtShape(t.shape)}`,
      );
    }
  }
  const useInputStats = opts.useInputStats ?? true;
  const momentum = opts.momentum ?? 0.1;
  const eps = opts.eps ?? 1e-5;
  if (typeof momentum !== 'number')
    throw new TypeError(`${layer}: momentum must be a number, got ${momentum}`);
  const spatial = x.shape.slice(2).reduce((a, b) => a * b, 1);
  if (useInputStats && spatial <= 1) {
    throw new RangeError(
      `${layer}: expected more than 1 spatial element when training, got input size ${fmtShape(x.shape)}`,
    );
  }
  if (!useInputStats && (!runningMean || !runningVar)) {
    throw new RangeError(`${layer}: useInputStats false needs runningMean and runningVar`);
  }
  const dims = x.shape.map((_, i) => i).slice(2);
  return tidy(() => {
    let y: Tensor;
    if (useInputStats) {
      const mean = x.mean(dims, { keepdim: true });
      const diff = x.sub(mean);
      const v = diff.square().mean(dims, { keepdim: true });
      y = diff.mul(v.add(eps).rsqrt());
      noGrad(() => {
        const update = (r: Tensor, stat: Tensor) => {
          const s = detach(stat).reshape([x.shape[0], c]).mean(0);
          r._assign(
            r
              .mul(1 - momentum)
              .add(s.mul(momentum))
              .contiguous(),
          );
        };
        if (runningMean) update(runningMean, mean);
        if (runningVar) update(runningVar, v.mul(spatial / (spatial - 1)));
      });
    } else {
      const rm = perChannel(detach(runningMean!), x.ndim);
      const rv = perChannel(detach(runningVar!), x.ndim);
      y = x.sub(rm).mul(rv.add(eps).rsqrt());
    }
    if (weight) y = y.mul(perChannel(weight, x.ndim));
    if (bias) y = y.add(perChannel(bias, x.ndim));
    return y;
  });
}

/** Options of {@link localResponseNorm}. */
export interface LocalResponseNormOptions {
  /** Scale of the summed squares (default 1e-4). */
  alpha?: number;
  /** Exponent (default 0.75). */
  beta?: number;
  /** Additive constant (default 1). */
  k?: number;
}

/**
 * Local response normalisation across channels (torch.nn.functional.local_response_norm):
 * `x / (k + alpha / size * sum of x^2 over `size` neighbouring channels)^beta`, the window
 * zero-padded by size/2 before and (size-1)/2 after; input `[N, C, *]` with at least 3 dims.
 * `layer` names the caller in errors.
 */
export function localResponseNorm(
  x: Tensor,
  size: number,
  opts: LocalResponseNormOptions = {},
  layer = 'localResponseNorm',
): Tensor {
  requireFloat(x, layer);
  checkOptions(layer, opts, ['alpha', 'beta', 'k']);
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`${layer}: size must be a positive integer, got ${size}`);
  if (x.ndim < 3) {
    throw new RangeError(
      `${layer}: expected 3D or higher dimensionality input, got ${x.ndim}-D input of shape ${fmtShape(x.shape)}`,
    );
  }
  const { alpha = 1e-4, beta = 0.75, k = 1 } = opts;
  const c = x.shape[1];
  return tidy(() => {
    const sq = x.square();
    // Zero-pad the channel dim (F.pad's pairs start from the last dim), then sum `size` shifted windows.
    const pads = new Array<number>(2 * (x.ndim - 2)).fill(0);
    pads.push(Math.floor(size / 2), Math.floor((size - 1) / 2));
    const padded = pad(sq, pads);
    let sum = padded.narrow(1, 0, c);
    for (let i = 1; i < size; i++) sum = sum.add(padded.narrow(1, i, c));
    const div = sum.div(size).mul(alpha).add(k).pow(beta);
    return x.div(div);
  });
}
