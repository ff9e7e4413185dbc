/** F.embedding (table lookup with PyTorch's paddingIdx / maxNorm / scaleGradByFreq) and F.oneHot. */
import { noGrad } from '../../autograd/grad-mode.js';
import { attach } from '../../autograd/node.js';
import { arange, full } from '../../ops/creation.js';
import { where } from '../../ops/elementwise.js';
import {
  checkIndices,
  gatherUnchecked,
  indexSelectUnchecked,
  scatterAddUnchecked,
} from '../../ops/indexing.js';
import { empty } from '../../ops/kernel.js';
import { detach } from '../../ops/view.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { EMBEDDING_KEYS } from '../option-keys.js';
import { checkOptions, checkTensor } from '../validate.js';

/** Options of F.embedding and nn.Embedding, with PyTorch's defaults. */
export interface EmbeddingOptions {
  /** Row whose gradient is always zero (negative counts from the end; default none). */
  paddingIdx?: number | null;
  /** Renormalise each looked-up row whose `normType`-norm exceeds this to have that norm (default none). */
  maxNorm?: number | null;
  /** p of the norm for maxNorm (default 2). */
  normType?: number;
  /** Scale each row's gradient by the inverse of its frequency in the batch (default false). */
  scaleGradByFreq?: boolean;
  /** Must stay false: sparse gradients are not supported, and nn.Embedding throws on true. */
  sparse?: boolean;
}

/**
 * Indices must be int32 and inside [0, rows): core's index check, worded for the layer.
 * Everything below reuses the checked index through the unchecked indexing cores.
 */
function checkEmbeddingIndices(input: Tensor, rows: number, layer: string): void {
  checkTensor(layer, 'input', input);
  if (input.dtype !== 'int32') {
    throw new TypeError(`${layer} expected an int32 index tensor, got ${input.dtype}`);
  }
  checkIndices(
    input,
    rows,
    layer,
    (v) =>
      `${layer}: index ${v} is out of range for an embedding table with ${rows} rows (valid indices are 0..${rows - 1}; input shape ${fmtShape(input.shape)})`,
  );
}

/** Normalise paddingIdx (negative counts from the end) as PyTorch's Embedding does. */
export function resolvePaddingIdx(
  paddingIdx: number | null | undefined,
  rows: number,
  layer: string,
): number | null {
  if (paddingIdx === null || paddingIdx === undefined) return null;
  if (paddingIdx >= rows || paddingIdx < -rows) {
    throw new RangeError(`${layer}: paddingIdx must be within [-${rows}, ${rows - 1}], got ${paddingIdx}`);
  }
  return paddingIdx < 0 ? paddingIdx + rows : paddingIdx;
}

/**
 * Rescale, in place and outside autograd, the rows of `weight` that `idx` references and
 * whose normType-norm exceeds maxNorm to norm maxNorm (PyTorch's embedding_renorm_).
 */
function renormRows(weight: Tensor, idx: Tensor, maxNorm: number, normType: number): void {
  noGrad(() =>
    tidy(() => {
      const rows = weight.shape[0];
      const w = detach(weight);
      const used = scatterAddUnchecked(
        full([rows], 0, { backend: w.backend }),
        0,
        idx,
        full([idx.size], 1, { backend: w.backend }),
      ).gt(0);
      const norm =
        normType === 2
          ? w.square().sum(1).sqrt()
          : normType === Number.POSITIVE_INFINITY
            ? w.abs().max(1)
            : w
                .abs()
                .pow(normType)
                .sum(1)
                .pow(1 / normType);
      const scale = where(used.logicalAnd(norm.gt(maxNorm)), norm.add(1e-7).reciprocal().mul(maxNorm), 1);
      const updated = w.mul(scale.unsqueeze(1)).contiguous();
      weight.backend.copy(updated._view('embedding'), weight._view('embedding'));
    }),
  );
}

/** Rows of `weight` [numEmbeddings, dim] picked by the int32 `input`: output [...input.shape, dim]. */
export function embedding(
  input: Tensor,
  weight: Tensor,
  opts: EmbeddingOptions = {},
  layer = 'Embedding',
): Tensor {
  checkTensor(layer, 'input', input);
  checkTensor(layer, 'weight', weight);
  checkOptions(layer, opts, EMBEDDING_KEYS);
  if (weight.ndim !== 2)
    throw new RangeError(`${layer} expected a 2-D weight, got shape ${fmtShape(weight.shape)}`);
  if (opts.sparse) throw new Error(`${layer}: sparse gradients are not supported (use sparse: false)`);
  const rows = weight.shape[0];
  const dim = weight.shape[1];
  checkEmbeddingIndices(input, rows, layer);
  const paddingIdx = resolvePaddingIdx(opts.paddingIdx, rows, layer);
  const scaleByFreq = opts.scaleGradByFreq ?? false;
  return tidy(() => {
    const idx = input.reshape([input.size]);
    if (opts.maxNorm !== null && opts.maxNorm !== undefined) {
      renormRows(weight, idx, opts.maxNorm, opts.normType ?? 2);
    }
    const rowsOut = noGrad(() => indexSelectUnchecked(detach(weight), 0, idx));
    const out = attach(rowsOut, 'embedding', [weight], [idx], (g, [si]) => {
      let g2 = g.reshape([si.size, dim]);
      if (scaleByFreq) {
        const ones = full([si.size], 1, { backend: g.backend });
        const counts = scatterAddUnchecked(full([rows], 0, { backend: g.backend }), 0, si, ones);
        g2 = g2.div(gatherUnchecked(counts, 0, si).unsqueeze(1));
      }
      if (paddingIdx !== null) g2 = where(si.ne(paddingIdx).unsqueeze(1), g2, 0);
      const zero = empty([rows, dim], g.dtype, g.backend);
      g.backend.fill(zero._view(), 0);
      return [scatterAddUnchecked(zero, 0, si.unsqueeze(1).expand([si.size, dim]), g2.contiguous())];
    });
    return out.reshape([...input.shape, dim]);
  });
}

/**
 * One-hot encoding as int32 (PyTorch returns int64). numClasses = -1 infers max + 1, which
 * needs a synchronous readback; pass numClasses explicitly on async backends.
 */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  checkTensor('oneHot', 'input', indices);
  if (indices.dtype !== 'int32')
    throw new TypeError(`oneHot: expected an int32 index tensor, got ${indices.dtype}`);
  let n = numClasses;
  if (indices.backend.readSync && indices.size > 0) {
    const values = indices.dataSync();
    let max = -1;
    for (let i = 0; i < values.length; i++) {
      if (values[i] < 0) throw new RangeError('oneHot: Class values must be non-negative.');
      max = Math.max(max, values[i]);
    }
    if (n === -1) n = max + 1;
    else if (max >= n) throw new RangeError('oneHot: Class values must be smaller than num_classes.');
  } else if (n === -1) {
    if (indices.size === 0)
      throw new RangeError('oneHot: Can not infer total number of classes from empty tensor.');
    throw new Error('oneHot: numClasses = -1 needs a synchronous readback; pass numClasses on this backend');
  }
  return tidy(() =>
    indices
      .unsqueeze(-1)
      .eq(arange(0, n, 1, { dtype: 'int32', backend: indices.backend }))
      .int(),
  );
}
