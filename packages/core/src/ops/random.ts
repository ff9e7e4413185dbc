/**
 * torch.bernoulli, normal, randperm and multinomial on the shared Philox stream (rand/randn
 * through randomTensor), so every backend draws the same numbers for the same seed. PyTorch's
 * own streams cannot be matched (a different generator): the distributions are the contract.
 * Value checks that depend on the data (a probability outside [0, 1], a negative weight) run
 * on the device as index checks do: at once where the backend reads synchronously, else at
 * the next readback.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { getBackend } from '../backend/registry.js';
import { tidy } from '../tensor/scope.js';
import { broadcastShapes } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { randomTensor } from './creation.js';
import { logicalOr, where } from './elementwise.js';
import { checkIndices } from './indexing.js';
import { isfinite } from './pointwise.js';
import { any, sum } from './reduce.js';
import { cumsum } from './scan.js';
import { argsort, searchsorted, topk } from './sort.js';
import { reshape } from './view.js';

/** Throw `message` (now, or at the next readback on async devices) if `bad` has a true element. */
function checkNone(bad: Tensor, key: string, message: string): void {
  // Whether any element offends is an "index" that must lie in [0, 1). `key` is distinct per
  // check: queued checks with the same key merge on the device and keep one message.
  checkIndices(reshape(any(bad).int(), [1]), 1, key, () => message);
}

/**
 * torch.bernoulli: 1 with probability `p` (each element of `x`, or the number `p` for every
 * element of `x`'s shape), else 0, as float32. Probabilities must lie in [0, 1].
 */
export function bernoulli(x: Tensor, p?: number): Tensor {
  return noGrad(() =>
    tidy(() => {
      if (p !== undefined) {
        if (!(p >= 0 && p <= 1)) throw new RangeError(`bernoulli: expected 0 <= p <= 1, got p=${p}`);
        return randomTensor('uniform', x.shape, x.backend).lt(p).float();
      }
      if (x.dtype !== 'float32')
        throw new TypeError(`bernoulli: expected float32 probabilities, got ${x.dtype}`);
      checkNone(
        logicalOr(x.lt(0), x.gt(1)).logicalOr(x.isnan()),
        'bernoulli',
        'bernoulli: expected all probabilities in [0, 1]',
      );
      return randomTensor('uniform', x.shape, x.backend).lt(x).float();
    }),
  );
}

/** Options of {@link normal} when both mean and std are numbers. */
export interface NormalOptions {
  /** Output shape (required when mean and std are both numbers). */
  size?: readonly number[];
}

/**
 * torch.normal: samples of N(mean, std²), mean and std numbers or tensors broadcast together
 * (or a `size` when both are numbers). std must be >= 0. No gradient, as in PyTorch 1.13.
 */
export function normal(mean: Tensor | number, std: Tensor | number, opts: NormalOptions = {}): Tensor {
  const ts = [mean, std].filter((v): v is Tensor => typeof v !== 'number');
  if (ts.length === 0 && opts.size === undefined) {
    throw new RangeError('normal: give a size when mean and std are both numbers');
  }
  if (typeof std === 'number' && !(std >= 0))
    throw new RangeError(`normal: expected std >= 0, got std=${std}`);
  const shape = ts.length
    ? ts.reduce<number[]>((s, t) => broadcastShapes(s, t.shape, 'normal'), [])
    : [...(opts.size as number[])];
  const backend = ts[0]?.backend ?? getBackend();
  return noGrad(() =>
    tidy(() => {
      if (typeof std !== 'number')
        checkNone(logicalOr(std.lt(0), std.isnan()), 'normal:std', 'normal: expected all std >= 0');
      return randomTensor('normal', shape, backend).mul(std).add(mean);
    }),
  );
}

/** A random permutation of 0..n-1 as int32 (torch.randperm): argsort of uniform keys (stable on ties). */
export function randperm(n: number, opts: { backend?: Tensor['backend'] } = {}): Tensor {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`randperm: n must be a non-negative integer, got ${n}`);
  return noGrad(() => tidy(() => argsort(randomTensor('uniform', [n], opts.backend ?? getBackend()))));
}

/** Options of {@link multinomial}. */
export interface MultinomialOptions {
  /** Draw with replacement (default false: each category at most once per row). */
  replacement?: boolean;
}

/**
 * torch.multinomial: `numSamples` int32 category indices per row of the non-negative weights
 * `probs` (1-D or 2-D; rows need not sum to 1). With replacement: the inverse CDF of uniform
 * draws; without: the `numSamples` largest keys log(u) / w (Efraimidis–Spirakis), which is
 * sequential sampling without replacement in distribution. Rows with a negative, infinite or
 * NaN weight, rows summing to 0, and (without replacement) rows with fewer positive weights
 * than `numSamples` are errors.
 */
export function multinomial(probs: Tensor, numSamples: number, opts: MultinomialOptions = {}): Tensor {
  if (probs.ndim !== 1 && probs.ndim !== 2)
    throw new RangeError(`multinomial: probs must be 1-D or 2-D, got ${probs.ndim}-D`);
  if (probs.dtype !== 'float32')
    throw new TypeError(`multinomial: expected float32 probs, got ${probs.dtype}`);
  const k = probs.shape[probs.ndim - 1];
  if (k === 0) throw new RangeError('multinomial: probs must have at least one category');
  if (!Number.isInteger(numSamples) || numSamples <= 0) {
    throw new RangeError(`multinomial: numSamples must be a positive integer, got ${numSamples}`);
  }
  const replacement = opts.replacement ?? false;
  if (!replacement && numSamples > k) {
    throw new RangeError(
      `multinomial: cannot sample numSamples=${numSamples} > ${k} categories without replacement`,
    );
  }
  return noGrad(() =>
    tidy(() => {
      const p = probs.ndim === 1 ? reshape(probs, [1, k]) : probs;
      const rows = p.shape[0];
      checkNone(
        logicalOr(p.lt(0), isfinite(p).logicalNot()),
        'multinomial:values',
        'multinomial: probability tensor contains either inf, nan or element < 0',
      );
      checkNone(
        sum(p, 1).eq(0),
        'multinomial:rows',
        'multinomial: invalid multinomial distribution (a row sums to 0)',
      );
      let out: Tensor;
      if (replacement) {
        const c = cumsum(p, 1);
        // Divide by the row total so the last entry is exactly 1 > any uniform draw.
        const cdf = c.div(c.narrow(1, k - 1, 1));
        out = searchsorted(cdf, randomTensor('uniform', [rows, numSamples], p.backend), { right: true });
      } else {
        const positive = sum(p.gt(0).int(), 1);
        checkNone(
          positive.lt(numSamples),
          `multinomial:positive${numSamples}`,
          `multinomial: invalid multinomial distribution (with replacement=False, fewer than ${numSamples} categories of positive weight)`,
        );
        const u = randomTensor('uniform', [rows, k], p.backend);
        // 1 - u lies in (0, 1]: its log is finite and <= 0, so only zero weights get -inf keys.
        const keys = where(p.gt(0), u.neg().add(1).log().div(p), Number.NEGATIVE_INFINITY);
        out = topk(keys, numSamples, { dim: 1 }).indices;
      }
      return probs.ndim === 1 ? reshape(out, [numSamples]) : out;
    }),
  );
}
