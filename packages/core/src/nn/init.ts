/**
 * nn.init: in-place initialisers with PyTorch's formulas (fans, gains, bounds). Values
 * come from layers' own seeded generator, so they match PyTorch in distribution, not bits.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { full, randomTensor } from '../ops/creation.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';

/** Names {@link calculateGain} knows, PyTorch's snake_case spelling. */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

/**
 * The recommended gain for a nonlinearity (torch.nn.init.calculate_gain): 5/3 for tanh,
 * sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leaky_relu (`param` is the slope, default
 * 0.01), 3/4 for selu, 1 otherwise.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      return 1;
  }
}

/** (fan_in, fan_out) as torch.nn.init._calculate_fan_in_and_fan_out. */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2) {
    throw new RangeError(
      'init: fan in and fan out can not be computed for tensor with fewer than 2 dimensions',
    );
  }
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

/** Overwrite t's values with src's, in place, outside autograd. */
function writeInto(t: Tensor, src: Tensor): Tensor {
  noGrad(() => t.backend.copy(src._view('init'), t._view('init')));
  return t;
}

/** Fill `t` in place with U(a, b) samples (default [0, 1)); returns t. */
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  return tidy(() =>
    writeInto(
      t,
      randomTensor('uniform', t.shape, t.backend)
        .mul(b - a)
        .add(a),
    ),
  );
}

/** Fill `t` in place with N(mean, std^2) samples (default 0, 1); returns t. */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  return tidy(() => writeInto(t, randomTensor('normal', t.shape, t.backend).mul(std).add(mean)));
}

/** Normal(mean, std) redrawn... approximated by inverse-CDF sampling within [a, b], as PyTorch. */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2): Tensor {
  return tidy(() => {
    const cdf = (x: number) => (1 + erfScalar(x / Math.SQRT2)) / 2;
    const l = cdf((a - mean) / std);
    const u = cdf((b - mean) / std);
    const p = randomTensor('uniform', t.shape, t.backend)
      .mul(2 * u - 2 * l)
      .add(2 * l - 1);
    // erfinv via Newton on erf, vectorised: good to float32 precision in a few steps.
    let x = p.mul(Math.sqrt(Math.PI) / 2);
    for (let i = 0; i < 6; i++) {
      const err = x.erf().sub(p);
      x = x.sub(
        err.div(
          x
            .square()
            .neg()
            .exp()
            .mul(2 / Math.sqrt(Math.PI)),
        ),
      );
    }
    return writeInto(
      t,
      x
        .mul(std * Math.SQRT2)
        .add(mean)
        .clamp(a, b),
    );
  });
}

function erfScalar(x: number): number {
  // Abramowitz-Stegun 7.1.26 is enough for the bounds of truncNormal_.
  const s = Math.sign(x);
  const ax = Math.abs(x);
  const k = 1 / (1 + 0.3275911 * ax);
  const y =
    1 -
    ((((1.061405429 * k - 1.453152027) * k + 1.421413741) * k - 0.284496736) * k + 0.254829592) *
      k *
      Math.exp(-ax * ax);
  return s * y;
}

/** Fill `t` in place with `value`; returns t. */
export function constant_(t: Tensor, value: number): Tensor {
  return tidy(() => writeInto(t, full(t.shape, value, { dtype: t.dtype, backend: t.backend })));
}
/** Fill `t` in place with zeros; returns t. */
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
/** Fill `t` in place with ones; returns t. */
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/** Fill a 2-d `t` in place with the identity (ones on the diagonal); throws for other ranks. */
export function eye_(t: Tensor): Tensor {
  if (t.ndim !== 2) throw new RangeError('eye_: only tensors with 2 dimensions are supported');
  return tidy(() => {
    const [n, m] = t.shape;
    const v = new Float32Array(n * m);
    for (let i = 0; i < Math.min(n, m); i++) v[i * m + i] = 1;
    const src = full([n, m], 0, { backend: t.backend });
    t.backend.write(src._storage.buffer, 'float32', v);
    return writeInto(t, src);
  });
}

/**
 * Glorot uniform in place: U(-a, a) with `a = gain * sqrt(6 / (fanIn + fanOut))`. Throws for fewer than 2
 * dims.
 */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a);
}

/**
 * Glorot normal in place: N(0, std^2) with `std = gain * sqrt(2 / (fanIn + fanOut))`. Throws for fewer than
 * 2 dims.
 */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

/** Options of the He (Kaiming) initialisers, with PyTorch's defaults. */
export interface KaimingOptions {
  /** Negative slope of the leaky_relu that follows (default 0). */
  a?: number;
  /** `'fan_in'` (default) preserves the forward pass's variance, `'fan_out'` the backward pass's. */
  mode?: 'fan_in' | 'fan_out';
  /** Nonlinearity that follows (default `'leaky_relu'`). */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, opts: KaimingOptions): number {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const fan = (opts.mode ?? 'fan_in') === 'fan_in' ? fanIn : fanOut;
  const gain = calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0);
  return gain / Math.sqrt(fan);
}

/** He uniform in place: U(-b, b) with `b = gain * sqrt(3 / fan)`. Throws for fewer than 2 dims. */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, opts);
  return uniform_(t, -bound, bound);
}

/** He normal in place: N(0, std^2) with `std = gain / sqrt(fan)`. Throws for fewer than 2 dims. */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd(t, opts));
}
