/**
 * F.ctcLoss (torch.nn.functional.ctc_loss of PyTorch 1.13): the negative log likelihood of the
 * targets summed over every CTC alignment, by the forward (alpha) recursion in log space over
 * the blank-extended targets, vectorised over the batch. Gradients come from autograd through
 * the recursion (the alpha-beta gradient, mathematically); impossible alignments give an infinite
 * loss, 0 with zeroInfinity, as PyTorch. Lengths stay on the device: no readback.
 */
import { arange, fromTypedArray, full } from '../../ops/creation.js';
import { where } from '../../ops/elementwise.js';
import { cat, checkIndices, gatherUnchecked } from '../../ops/indexing.js';
import { cumsum } from '../../ops/scan.js';
import { cast, detach } from '../../ops/view.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkTensor } from '../validate.js';
import type { ReductionOptions } from './loss.js';
import { checkReduction, requireFloat } from './loss-checks.js';

/** Options of ctcLoss / nn.CTCLoss. */
export interface CTCLossOptions extends ReductionOptions {
  /** The blank class (default 0). */
  blank?: number;
  /** Replace infinite losses (no alignment fits) and their gradients by 0 (default false). */
  zeroInfinity?: boolean;
}

const NEG_INF = Number.NEGATIVE_INFINITY;

const isNumbers = (v: unknown): v is readonly number[] => Array.isArray(v);

/**
 * log(sum(exp(xs))) elementwise, -inf where every term is -inf, with no NaN in the gradient
 * there (the -inf branch is a constant).
 */
function logAddExp(xs: Tensor[]): Tensor {
  let m = detach(xs[0]);
  for (const x of xs.slice(1)) m = m.maximum(detach(x));
  const dead = m.eq(NEG_INF);
  const mSafe = where(dead, 0, m);
  let s = xs[0].sub(mSafe).exp();
  for (const x of xs.slice(1)) s = s.add(x.sub(mSafe).exp());
  return where(dead, NEG_INF, where(dead, 1, s).log().add(mSafe));
}

/** Lengths given as numbers, as an int32 tensor on `like`'s backend. */
function fromArray(v: readonly number[], like: Tensor): Tensor {
  if (v.some((x) => !Number.isInteger(x)))
    throw new RangeError(`CTCLoss: lengths must be integers, got ${JSON.stringify(v)}`);
  return fromTypedArray(Int32Array.from(v), [v.length], like.backend);
}

/**
 * CTC loss of log-probabilities `(T, N, C)` (or `(T, C)` unbatched; log_softmax outputs) against int32
 * targets `(N, S)` padded or `(sum(targetLengths))` concatenated, with per-sample input and target
 * lengths (int32 tensors or number arrays). 'mean' divides each loss by its target length, then
 * averages over the batch.
 */
export function ctcLoss(
  logProbs: Tensor,
  targets: Tensor,
  inputLengths: Tensor | readonly number[],
  targetLengths: Tensor | readonly number[],
  opts: CTCLossOptions = {},
): Tensor {
  const layer = 'CTCLoss';
  const reduction = opts.reduction ?? 'mean';
  checkReduction(reduction, layer, opts);
  requireFloat(logProbs, layer, 'logProbs');
  checkTensor(layer, 'targets', targets);
  if (logProbs.ndim !== 2 && logProbs.ndim !== 3) {
    throw new RangeError(
      `${layer} expected logProbs of shape (T, N, C) or (T, C), got ${fmtShape(logProbs.shape)}`,
    );
  }
  if (targets.dtype !== 'int32') throw new TypeError(`${layer} expected int32 targets, got ${targets.dtype}`);
  const unbatched = logProbs.ndim === 2;
  const lp = unbatched ? logProbs.unsqueeze(1) : logProbs;
  const [T, N, C] = lp.shape;
  if (T === 0)
    throw new RangeError(
      `${layer}: expected at least one time step, got logProbs ${fmtShape(logProbs.shape)}`,
    );
  const blank = opts.blank ?? 0;
  if (!Number.isInteger(blank) || blank < 0 || blank >= C) {
    throw new RangeError(`${layer}: blank must be in [0, ${C}) (the number of classes), got ${blank}`);
  }
  const tgt2 = unbatched && targets.ndim === 1 ? targets.unsqueeze(0) : targets;
  if (tgt2.ndim !== 1 && tgt2.ndim !== 2) {
    throw new RangeError(
      `${layer} expected targets of shape (N, S) or (sum(targetLengths)), got ${fmtShape(targets.shape)}`,
    );
  }
  if (tgt2.ndim === 2 && tgt2.shape[0] !== N) {
    throw new RangeError(
      `${layer}: targets ${fmtShape(targets.shape)} have ${tgt2.shape[0]} rows for a batch of ${N}`,
    );
  }
  const asTensor = (v: Tensor | readonly number[], what: string): Tensor => {
    const t = isNumbers(v) ? fromArray(v, lp) : v;
    checkTensor(layer, what, t);
    if (t.dtype !== 'int32' || t.ndim !== 1 || t.shape[0] !== N) {
      throw new RangeError(
        `${layer}: expected ${what} as ${N} int32 lengths (one per batch element), got ${fmtShape(t.shape)} (${t.dtype})`,
      );
    }
    return t;
  };
  const il = asTensor(inputLengths, 'inputLengths');
  const tl = asTensor(targetLengths, 'targetLengths');
  // The longest target that fits: the padded width, or (concatenated) every target at once.
  const L = tgt2.ndim === 2 ? tgt2.shape[1] : tgt2.shape[0];
  checkIndices(
    il,
    T + 1,
    layer,
    (v) =>
      `${layer}: expected input lengths of at most T = ${T} (logProbs ${fmtShape(logProbs.shape)}), got ${v}`,
  );
  // Distinct keys: an asynchronous device merges deferred checks of one key and size.
  checkIndices(
    tl,
    L + 1,
    `${layer}.targetLengths`,
    (v) =>
      `${layer}: target length ${v} is longer than the targets hold (${L} per ${tgt2.ndim === 2 ? 'row' : 'batch'})`,
  );
  checkIndices(
    targets,
    C,
    `${layer}.targets`,
    (v) => `${layer}: target ${v} is out of range for ${C} classes`,
  );
  const S = 2 * L + 1;
  return tidy(() => {
    const backend = lp.backend;
    // Padded targets [N, L]: rows as given, or gathered from the concatenation at each start.
    let padded: Tensor;
    if (tgt2.ndim === 2) padded = tgt2;
    else {
      const starts = cumsum(tl, 0).sub(tl);
      const pos = starts.unsqueeze(1).add(arange(0, L, 1, { dtype: 'int32', backend }).unsqueeze(0));
      padded =
        L === 0
          ? tgt2.reshape([N, 0])
          : gatherUnchecked(tgt2, 0, pos.clamp(0, L - 1).reshape([N * L])).reshape([N, L]);
    }
    const j = arange(0, L, 1, { dtype: 'int32', backend }).unsqueeze(0);
    const inTarget = j.lt(tl.unsqueeze(1)); // [N, L]
    const labels = where(inTarget, padded, blank);
    // Extended labels l' = (blank, l1, blank, l2, ..., blank): [N, S].
    const blanks = full([N, L + 1], blank, { dtype: 'int32', backend });
    const ext =
      L === 0
        ? blanks
        : cat([blanks.narrow(1, 0, L).unsqueeze(2), labels.unsqueeze(2)], 2).reshape([N, 2 * L]);
    const extended = L === 0 ? ext : cat([ext, blanks.narrow(1, 0, 1)], 1);
    // A skip from s - 2 is allowed onto a label that differs from the label two back.
    const prev2 = cat([full([N, 2], blank, { dtype: 'int32', backend }), extended.narrow(1, 0, S - 2)], 1);
    const canSkip = extended.ne(blank).logicalAnd(extended.ne(prev2));
    const emit = gatherUnchecked(lp, 2, extended.unsqueeze(0).expand([T, N, S]).contiguous()); // [T, N, S]
    const negInf = (cols: number) => full([N, cols], NEG_INF, { dtype: lp.dtype, backend });
    const s = arange(0, S, 1, { dtype: 'int32', backend }).unsqueeze(0);
    let alpha = where(s.lt(2), emit.select(0, 0), NEG_INF); // t = 0: start at blank or the first label
    for (let t = 1; t < T; t++) {
      const a1 = cat([negInf(1), alpha.narrow(1, 0, S - 1)], 1);
      const a2 = where(canSkip, S > 2 ? cat([negInf(2), alpha.narrow(1, 0, S - 2)], 1) : negInf(S), NEG_INF);
      const next = logAddExp([alpha, a1, a2]).add(emit.select(0, t));
      // Samples whose input has ended keep their last alpha.
      alpha = where(il.gt(t).unsqueeze(1), next, alpha);
    }
    // End at the final blank (2 * tl) or the last label (2 * tl - 1).
    const endBlank = gatherUnchecked(alpha, 1, tl.mul(2).unsqueeze(1)).squeeze(1);
    const endLabel = gatherUnchecked(alpha, 1, tl.mul(2).sub(1).clamp(0).unsqueeze(1)).squeeze(1);
    let nll = logAddExp([endBlank, where(tl.gt(0), endLabel, NEG_INF)]).neg();
    // A zero-length input has no alignment (and no emission) unless the target is empty too.
    const emptyCost = where(tl.eq(0), full([N], 0, { dtype: lp.dtype, backend }), Number.POSITIVE_INFINITY);
    nll = where(il.eq(0), emptyCost, nll);
    if (opts.zeroInfinity) nll = where(nll.eq(Number.POSITIVE_INFINITY), 0, nll);
    const out = unbatched ? nll.reshape([]) : nll;
    if (reduction === 'none') return out;
    if (reduction === 'sum') return out.sum();
    return nll.div(cast(tl.clamp(1), nll.dtype)).mean();
  });
}
