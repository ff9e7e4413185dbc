/**
 * F.embeddingBag (torch.nn.functional.embedding_bag of PyTorch 1.13): sums, means or maxima of
 * bags of embedding rows without materialising each bag. Bags are the rows of a 2-D input, or
 * the runs of a 1-D input starting at `offsets`. Membership is a [bags, indices] mask, so sum
 * and mean are one matmul and max a masked max: no readback of the offsets.
 */

import { arange, full } from '../../ops/creation.js';
import { where } from '../../ops/elementwise.js';
import { cat, checkIndices } from '../../ops/indexing.js';
import { cast } from '../../ops/view.js';
import { isFloat } from '../../tensor/dtype.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { EMBEDDING_KEYS } from '../option-keys.js';
import { checkOptionalTensor, checkOptions, checkTensor } from '../validate.js';
import { type EmbeddingOptions, embedding, resolvePaddingIdx } from './embedding.js';

/** How a bag's rows combine. */
export type EmbeddingBagMode = 'sum' | 'mean' | 'max';

/** Options of {@link embeddingBag} (and nn.EmbeddingBag's forward inputs). */
export interface EmbeddingBagOptions extends EmbeddingOptions {
  /** Start of each bag in a 1-D input, int32 `[B]` (`[B + 1]` with includeLastOffset); none for 2-D input. */
  offsets?: Tensor | null;
  /** How each bag's rows combine (default `'mean'`). */
  mode?: EmbeddingBagMode;
  /** A weight per index, multiplying its row (mode `'sum'` only; the input's shape). */
  perSampleWeights?: Tensor | null;
  /** offsets has B + 1 entries, the last being the end of the last bag (default false). */
  includeLastOffset?: boolean;
}

const EMBEDDING_BAG_KEYS = [...EMBEDDING_KEYS, 'offsets', 'mode', 'perSampleWeights', 'includeLastOffset'];

/**
 * Reduce bags of rows of `weight` `[numEmbeddings, dim]` picked by the int32 `input`: `[B, dim]`.
 * Entries equal to paddingIdx are left out of their bag (and of the mean's count); an empty bag gives
 * zeros. `layer` names the caller in errors.
 */
export function embeddingBag(
  input: Tensor,
  weight: Tensor,
  opts: EmbeddingBagOptions = {},
  layer = 'embeddingBag',
): Tensor {
  checkTensor(layer, 'input', input);
  checkTensor(layer, 'weight', weight);
  checkOptions(layer, opts, EMBEDDING_BAG_KEYS);
  const offsets = opts.offsets ?? null;
  const psw = opts.perSampleWeights ?? null;
  checkOptionalTensor(layer, 'offsets', offsets);
  checkOptionalTensor(layer, 'perSampleWeights', psw);
  const mode = opts.mode ?? 'mean';
  if (mode !== 'sum' && mode !== 'mean' && mode !== 'max') {
    throw new RangeError(`${layer}: mode must be 'sum', 'mean' or 'max', got '${mode}'`);
  }
  if (weight.ndim !== 2)
    throw new RangeError(`${layer} expected a 2-D weight, got shape ${fmtShape(weight.shape)}`);
  if (psw && mode !== 'sum') {
    throw new RangeError(`${layer}: perSampleWeights is only supported for mode 'sum', got mode '${mode}'`);
  }
  if (mode === 'max' && opts.scaleGradByFreq) {
    throw new RangeError(`${layer}: scaleGradByFreq is not supported with mode 'max'`);
  }
  if (
    psw &&
    (!isFloat(psw.dtype) || psw.ndim !== input.ndim || psw.shape.some((s, i) => s !== input.shape[i]))
  ) {
    throw new RangeError(
      `${layer}: expected float perSampleWeights of the input's shape ${fmtShape(input.shape)}, got ${fmtShape(psw.shape)} (${psw.dtype})`,
    );
  }
  const includeLast = opts.includeLastOffset ?? false;
  let bags: number;
  if (input.ndim === 2) {
    if (offsets) throw new RangeError(`${layer}: offsets must be null for a 2-D input (each row is a bag)`);
    bags = input.shape[0];
  } else if (input.ndim === 1) {
    if (!offsets) throw new RangeError(`${layer}: offsets is required for a 1-D input`);
    if (offsets.dtype !== 'int32' || offsets.ndim !== 1) {
      throw new RangeError(
        `${layer}: expected 1-D int32 offsets, got ${fmtShape(offsets.shape)} (${offsets.dtype})`,
      );
    }
    bags = offsets.shape[0] - (includeLast ? 1 : 0);
    if (bags < 0 || (bags === 0 && includeLast)) {
      throw new RangeError(`${layer}: includeLastOffset needs at least one offset, got ${offsets.shape[0]}`);
    }
    if (offsets.size > 0) {
      tidy(() =>
        checkIndices(
          offsets.narrow(0, 0, 1),
          1,
          `${layer}.offsets[0]`,
          (v) => `${layer}: offsets[0] has to be 0, got ${v}`,
        ),
      );
      checkIndices(
        offsets,
        input.size + 1,
        `${layer}.offsets`,
        (v) => `${layer}: offset ${v} is out of range for an input of ${input.size} indices`,
      );
    }
  } else {
    throw new RangeError(
      `${layer}: expected a 1-D input with offsets or a 2-D input, got shape ${fmtShape(input.shape)}`,
    );
  }
  const paddingIdx = resolvePaddingIdx(opts.paddingIdx, weight.shape[0], layer);
  if (bags === 0) return full([0, weight.shape[1]], 0, { dtype: weight.dtype, backend: weight.backend });
  return tidy(() => {
    const flat = input.reshape([input.size]);
    const rows = embedding(
      flat,
      weight,
      {
        paddingIdx,
        maxNorm: opts.maxNorm,
        normType: opts.normType,
        scaleGradByFreq: opts.scaleGradByFreq,
      },
      layer,
    ); // [L, dim]
    const n = flat.size;
    const pos = arange(0, n, 1, { dtype: 'int32', backend: input.backend });
    let member: Tensor; // bool [B, L]
    if (input.ndim === 2) {
      const bagOf = pos.div(Math.max(input.shape[1], 1)).floor().int();
      member = bagOf
        .unsqueeze(0)
        .eq(arange(0, bags, 1, { dtype: 'int32', backend: input.backend }).unsqueeze(1));
    } else {
      const o = offsets as Tensor;
      const starts = o.narrow(0, 0, bags);
      // Each bag ends where the next starts; without includeLastOffset the last runs to the input's end.
      const ends = includeLast
        ? o.narrow(0, 1, bags)
        : cat([o.narrow(0, 1, bags - 1), full([1], n, { dtype: 'int32', backend: input.backend })]);
      const p = pos.unsqueeze(0);
      const afterStart = p.ge(starts.unsqueeze(1));
      const beforeEnd = p.lt(ends.unsqueeze(1));
      member = afterStart.logicalAnd(beforeEnd);
    }
    if (paddingIdx !== null) member = member.logicalAnd(flat.ne(paddingIdx).unsqueeze(0));
    if (mode === 'max') {
      const masked = where(member.unsqueeze(2), rows.unsqueeze(0), Number.NEGATIVE_INFINITY).max(1);
      const nonEmpty = member.any(1).unsqueeze(1);
      return where(nonEmpty, masked, 0);
    }
    const weighted = psw ? rows.mul(psw.reshape([n, 1])) : rows;
    // The 0/1 membership in the rows' dtype: matmul takes one dtype (0 and 1 are exact).
    const m = cast(member, weighted.dtype);
    const sums = m.matmul(weighted);
    if (mode === 'sum') return sums;
    return sums.div(m.sum(1, { keepdim: true }).clamp(1));
  });
}
