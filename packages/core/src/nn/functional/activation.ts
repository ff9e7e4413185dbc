/** Activation functions: F.relu, F.gelu, F.softmax, ... (other engineers extend this file). */
import { castF32 } from '../../amp/autocast.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { attach } from '../../autograd/node.js';
import { expm1, log1p, where } from '../../ops/elementwise.js';
import { empty } from '../../ops/kernel.js';
import { max as maxOp, sum } from '../../ops/reduce.js';
import { cast, contiguous, detach, transpose } from '../../ops/view.js';
import { isFloat } from '../../tensor/dtype.js';
import { tidy } from '../../tensor/scope.js';
import { normDim } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, checkTensor } from '../validate.js';
import { type FusedActivation, fusedActivation } from './act-programs.js';
import { fusedKernel } from './fused.js';

const INPLACE = ['inplace'];

function softmaxImpl(x: Tensor, dim: number, log: boolean, name = log ? 'logSoftmax' : 'softmax'): Tensor {
  return tidy(() => {
    checkTensor(name, 'input', x);
    // autocast: softmax and logSoftmax run in float32.
    const input = isFloat(x.dtype) ? castF32(x) : cast(x, 'float32');
    if (input.ndim === 0) return log ? input.mul(0) : input.mul(0).add(1);
    const d = normDim(dim, input.ndim, name);
    // No elements, no rows to normalise: PyTorch returns an empty tensor of the same shape
    // (a row maximum over an empty dim does not exist, so the general path cannot run).
    if (input.size === 0) return input.mul(0);
    const last = input.ndim - 1;
    const moved = d === last ? input : transpose(input, d, last);
    const inner = moved.shape[last];
    const outer = moved.size / Math.max(inner, 1);
    let y: Tensor;
    const kernel = fusedKernel(input.backend, 'softmax');
    if (kernel && moved.size > 0) {
      const src = contiguous(detach(moved));
      y = empty(src.shape, src.dtype, src.backend);
      kernel(src._view(), y._view(), outer, inner, log);
    } else {
      // Stable fallback: subtract the row maximum before exponentiating. 16-bit rows compute
      // in float32 and round once, as the kernel path does (backend/compute.ts).
      const src = cast(detach(moved), 'float32');
      const shifted = src.sub(maxOp(src, last, { keepdim: true }));
      y = log ? shifted.sub(shifted.exp().sum(last, { keepdim: true }).log()) : shifted.exp();
      if (!log) y = y.div(y.sum(last, { keepdim: true }));
      y = detach(cast(y, moved.dtype));
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

// ---- pointwise activations ----------------------------------------------------------------
// Smooth activations are composed from differentiable primitives. Those with kinks use
// `custom` so the gradient at the kink is PyTorch's (hardtanh: 0 at both bounds, hardswish:
// (x/3 + 1/2) at +3, ...), which composing clamp/where would not always reproduce.

/** The float input of an activation, or a clear error naming it. */
function floatInput(x: Tensor, name: string): Tensor {
  checkTensor(name, 'input', x);
  if (!isFloat(x.dtype)) throw new TypeError(`${name} expected a float input, got ${x.dtype}`);
  return x;
}

/** y = fwd(x) computed without recording, with grad_x = bwd(g, x). */
function custom(
  x: Tensor,
  name: string,
  fwd: (x: Tensor) => Tensor,
  bwd: (g: Tensor, x: Tensor) => Tensor,
  fused?: { name: FusedActivation; params: number[] },
): Tensor {
  return tidy(() => {
    const input = floatInput(x, name);
    const f = fused && fusedActivation(input, fused.name, fused.params);
    if (f) return f;
    const y = noGrad(() => fwd(detach(input)));
    return attach(y, name, [input], [input], (g, [sx]) => [bwd(g, sx)]);
  });
}

/** relu: gradient 0 at 0, as PyTorch. */
export function relu(x: Tensor, opts: { inplace?: boolean } = {}): Tensor {
  checkTensor('relu', 'input', x);
  checkOptions('relu', opts, INPLACE);
  return x.relu();
}

/** Clamp to [minVal, maxVal]; the gradient is zero outside and AT the bounds (PyTorch's hardtanh_backward). */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1, opts: { inplace?: boolean } = {}): Tensor {
  return clampActivation('hardtanh', x, minVal, maxVal, opts);
}

function clampActivation(name: string, x: Tensor, minVal: number, maxVal: number, opts: unknown): Tensor {
  checkOptions(name, opts, INPLACE);
  if (minVal > maxVal)
    throw new RangeError(`${name}: minVal cannot be greater than maxVal (got ${minVal} > ${maxVal})`);
  return custom(
    x,
    name,
    (v) => v.clamp(minVal, maxVal),
    (g, v) => where(v.gt(minVal).logicalAnd(v.lt(maxVal)), g, 0),
    { name: 'hardtanh', params: [minVal, maxVal] },
  );
}

/** `min(max(x, 0), 6)`. */
export function relu6(x: Tensor, opts: { inplace?: boolean } = {}): Tensor {
  return clampActivation('relu6', x, 0, 6, opts);
}

/** x for x > 0, negativeSlope * x otherwise (slope also at 0, as PyTorch). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01, opts: { inplace?: boolean } = {}): Tensor {
  checkOptions('leakyRelu', opts, INPLACE);
  return custom(
    x,
    'leakyRelu',
    (v) => where(v.gt(0), v, v.mul(negativeSlope)),
    (g, v) => where(v.gt(0), g, g.mul(negativeSlope)),
    { name: 'leakyRelu', params: [negativeSlope] },
  );
}

/** x for x > 0, weight * x otherwise; weight has 1 or C (= dim 1) entries. */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  return tidy(() => {
    const input = floatInput(x, 'prelu');
    checkTensor('prelu', 'weight', weight);
    let w = weight;
    if (weight.size !== 1) {
      const channels = input.ndim >= 2 ? input.shape[1] : 1;
      if (weight.ndim !== 1 || weight.size !== channels) {
        throw new RangeError(
          `prelu: mismatch of parameter numbers and input channel size: found ${weight.size} parameters and ${channels} channels (input shape [${input.shape.join(', ')}])`,
        );
      }
      if (input.ndim >= 2) w = weight.reshape([channels, ...input.shape.slice(2).map(() => 1)]);
    } else w = weight.reshape([]);
    // where() sends x's gradient to the branch that was taken: w * g at x <= 0, as PyTorch.
    return where(input.gt(0), input, input.mul(w));
  });
}

/**
 * expm1(x / a) for x <= 0 (ELU's negative side), with ATen's derivatives at the kink 0: the
 * first is 1 / a (its x <= 0 side), the second 0 (its double backward masks x < 0). Written
 * expm1(v) + (u - v) / a, u = min(x, 0) and v = x where x < 0 else 0: equal values, and the
 * gradient of u - v is exactly the x == 0 indicator, which has no derivative itself.
 * min(x, 0) also keeps the unused branch from overflowing into 0 * inf = NaN gradients.
 */
function negativeBranch(x: Tensor, a: number): Tensor {
  const u = x.clamp(null, 0);
  const v = where(x.lt(0), x, 0);
  const e = expm1(a === 1 ? v : v.div(a));
  return e.add(a === 1 ? u.sub(v) : u.sub(v).div(a));
}

/** x for x > 0, alpha * (exp(x) - 1) otherwise. */
export function elu(x: Tensor, alpha = 1, opts: { inplace?: boolean } = {}): Tensor {
  checkOptions('elu', opts, INPLACE);
  return tidy(() => {
    const input = floatInput(x, 'elu');
    // Composed, not fusedActivation: the expression's symbolic second derivative differs from
    // ATen's at the kink (the autograd-higher grad2 fixtures), the composed form matches it.
    return where(input.gt(0), input, negativeBranch(input, 1).mul(alpha));
  });
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** Scaled ELU with the self-normalising constants (alpha ≈ 1.6733, scale ≈ 1.0507). */
export function selu(x: Tensor, opts: { inplace?: boolean } = {}): Tensor {
  checkOptions('selu', opts, INPLACE);
  return tidy(() => {
    const input = floatInput(x, 'selu');
    // Composed, not fusedActivation: the expression's symbolic second derivative differs from
    // ATen's at the kink (the autograd-higher grad2 fixtures), the composed form matches it.
    return elu(input, SELU_ALPHA).mul(SELU_SCALE);
  });
}

/** celu(x) = max(0, x) + min(0, alpha * (exp(x / alpha) - 1)). */
export function celu(x: Tensor, alpha = 1, opts: { inplace?: boolean } = {}): Tensor {
  checkOptions('celu', opts, INPLACE);
  return tidy(() => {
    const input = floatInput(x, 'celu');
    // Composed, not fusedActivation: the expression's symbolic second derivative differs from
    // ATen's at the kink (the autograd-higher grad2 fixtures), the composed form matches it.
    return where(input.gt(0), input, negativeBranch(input, alpha).mul(alpha));
  });
}

/** Gaussian error linear unit, exact (erf) or with PyTorch's tanh approximation. */
export function gelu(x: Tensor, opts: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  return tidy(() => {
    const input = floatInput(x, 'gelu');
    checkOptions('gelu', opts, ['approximate']);
    const approximate = opts.approximate ?? 'none';
    if (approximate === 'none' || approximate === 'tanh') {
      const f = fusedActivation(input, approximate === 'tanh' ? 'geluTanh' : 'gelu');
      if (f) return f;
    }
    if (approximate === 'tanh') {
      const inner = input.add(input.mul(input).mul(input).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
      return input.mul(0.5).mul(inner.tanh().add(1));
    }
    if (approximate !== 'none')
      throw new RangeError(`gelu: approximate must be 'none' or 'tanh', got '${approximate}'`);
    return input.mul(0.5).mul(input.mul(Math.SQRT1_2).erf().add(1));
  });
}

/** `x * sigmoid(x)` (swish). */
export function silu(x: Tensor, opts: { inplace?: boolean } = {}): Tensor {
  checkOptions('silu', opts, INPLACE);
  return tidy(() => {
    const input = floatInput(x, 'silu');
    const f = fusedActivation(input, 'silu');
    if (f) return f;
    return input.mul(input.sigmoid());
  });
}

/** `x * tanh(softplus(x))`. */
export function mish(x: Tensor, opts: { inplace?: boolean } = {}): Tensor {
  checkOptions('mish', opts, INPLACE);
  return tidy(() => {
    const input = floatInput(x, 'mish');
    const f = fusedActivation(input, 'mish');
    if (f) return f;
    return input.mul(softplus(input).tanh());
  });
}

/** `1 / (1 + exp(-x))`. */
export function sigmoid(x: Tensor): Tensor {
  return floatInput(x, 'sigmoid').sigmoid();
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  return floatInput(x, 'tanh').tanh();
}

/** relu6(x + 3) / 6; gradient 1/6 strictly inside (-3, 3), as PyTorch. */
export function hardsigmoid(x: Tensor, opts: { inplace?: boolean } = {}): Tensor {
  checkOptions('hardsigmoid', opts, INPLACE);
  return custom(
    x,
    'hardsigmoid',
    (v) => v.add(3).clamp(0, 6).div(6),
    (g, v) => where(v.gt(-3).logicalAnd(v.lt(3)), g.div(6), 0),
    { name: 'hardsigmoid', params: [] },
  );
}

/**
 * x * relu6(x + 3) / 6; gradient 0 below -3, x/3 + 1/2 on [-3, 3), 1 from 3 up. At exactly 3
 * PyTorch's CPU kernels disagree (vectorised: 1, scalar tail: 3/2); we follow the vectorised
 * path, which is what almost every element of a real tensor takes.
 */
export function hardswish(x: Tensor, opts: { inplace?: boolean } = {}): Tensor {
  checkOptions('hardswish', opts, INPLACE);
  return custom(
    x,
    'hardswish',
    (v) => v.mul(v.add(3).clamp(0, 6)).div(6),
    // where(v > -3, v, -3): the same values, but no derivative at the kink -3 itself, as
    // ATen's double backward (its mask is the open interval (-3, 3)).
    // Composed (no fused program): see elu.
    (g, v) => where(v.lt(-3), 0, where(v.lt(3), g.mul(where(v.gt(-3), v, -3).div(3).add(0.5)), g)),
  );
}

/** log(1 + exp(beta x)) / beta, linear where beta x > threshold. */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  return tidy(() => {
    const input = floatInput(x, 'softplus');
    const f =
      beta === 1
        ? fusedActivation(input, 'softplus1', [threshold])
        : fusedActivation(input, 'softplus', [beta, threshold]);
    if (f) return f;
    const bx = beta === 1 ? input : input.mul(beta);
    // Clamp before exp so the unused branch cannot overflow (and poison the gradient).
    let soft = log1p(bx.clamp(null, threshold).exp());
    if (beta !== 1) soft = soft.div(beta);
    return where(bx.gt(threshold), input, soft);
  });
}

/** `x / (1 + |x|)`. */
export function softsign(x: Tensor): Tensor {
  return tidy(() => {
    const input = floatInput(x, 'softsign');
    const f = fusedActivation(input, 'softsign');
    if (f) return f;
    return input.div(input.abs().add(1));
  });
}

/** `x - tanh(x)`. */
export function tanhshrink(x: Tensor): Tensor {
  return tidy(() => {
    const input = floatInput(x, 'tanhshrink');
    const f = fusedActivation(input, 'tanhshrink');
    if (f) return f;
    return input.sub(input.tanh());
  });
}

/** x where x > threshold, else value; no gradient where x <= threshold. */
export function threshold(
  x: Tensor,
  thresholdValue: number,
  value: number,
  opts: { inplace?: boolean } = {},
): Tensor {
  checkOptions('threshold', opts, INPLACE);
  return custom(
    x,
    'threshold',
    (v) => where(v.gt(thresholdValue), v, value),
    (g, v) => where(v.gt(thresholdValue), g, 0),
    { name: 'threshold', params: [thresholdValue, value] },
  );
}

/** `softmax(-x, dim)`. */
export function softmin(x: Tensor, dim: number): Tensor {
  return tidy(() => softmaxImpl(floatInput(x, 'softmin').neg(), dim, false, 'softmin'));
}

/** `log(sigmoid(x))`, computed without overflow. */
export function logSigmoid(x: Tensor): Tensor {
  // -softplus(-x), stable for large |x|.
  return tidy(() => {
    const input = floatInput(x, 'logSigmoid');
    return fusedActivation(input, 'logSigmoid') ?? softplus(input.neg()).neg();
  });
}

/** `x` where `|x| > lambd`, else 0 (default lambd 0.5). */
export function hardshrink(x: Tensor, lambd = 0.5): Tensor {
  return custom(
    x,
    'hardshrink',
    (v) => where(v.abs().gt(lambd), v, 0),
    (g, v) => where(v.abs().gt(lambd), g, 0),
    { name: 'hardshrink', params: [lambd] },
  );
}

/** `x - lambd` above lambd, `x + lambd` below -lambd, else 0 (default lambd 0.5). */
export function softshrink(x: Tensor, lambd = 0.5): Tensor {
  return tidy(() => {
    const input = floatInput(x, 'softshrink');
    const f = fusedActivation(input, 'softshrink', [lambd]);
    if (f) return f;
    return where(input.gt(lambd), input.sub(lambd), where(input.lt(-lambd), input.add(lambd), 0));
  });
}
