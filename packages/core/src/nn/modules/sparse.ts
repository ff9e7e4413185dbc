/** nn.Embedding: a lookup table with PyTorch's N(0, 1) init and paddingIdx/maxNorm semantics. */
import { noGrad } from '../../autograd/grad-mode.js';
import { full } from '../../ops/creation.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type EmbeddingOptions, embedding, resolvePaddingIdx } from '../functional/embedding.js';
import { normal_ } from '../init.js';
import { Module } from '../module.js';
import { EMBEDDING_KEYS } from '../option-keys.js';
import { checkOptions, forwardSignature } from '../validate.js';

/**
 * A lookup table (torch.nn.Embedding): `forward(indices)` with int32 indices of any shape
 * returns `[...indices.shape, embeddingDim]`. `weight` `[numEmbeddings, embeddingDim]` is N(0, 1)
 * with the paddingIdx row zeroed. Throws on indices outside `[0, numEmbeddings)` where the backend reads
 * synchronously.
 */
export class Embedding extends Module {
  static override signature = forwardSignature('input');
  /** Learnable table `[numEmbeddings, embeddingDim]`. */
  declare weight: Tensor;
  /** Row that gets no gradient, or null. */
  readonly paddingIdx: number | null;
  /** Rows looked up are renormalised to at most this norm, or null. */
  readonly maxNorm: number | null;
  /** p of the maxNorm norm (default 2). */
  readonly normType: number;
  /** Whether gradients are scaled by inverse batch frequency. */
  readonly scaleGradByFreq: boolean;
  /** Always false (sparse gradients are not supported). */
  readonly sparse: boolean;

  constructor(
    /** Rows of the table. */
    readonly numEmbeddings: number,
    /** Size of each row. */
    readonly embeddingDim: number,
    opts: EmbeddingOptions & { weight?: Tensor } = {},
  ) {
    super();
    checkOptions(this.name, opts, [...EMBEDDING_KEYS, 'weight']);
    this.paddingIdx = resolvePaddingIdx(opts.paddingIdx, numEmbeddings, 'Embedding');
    this.maxNorm = opts.maxNorm ?? null;
    this.normType = opts.normType ?? 2;
    this.scaleGradByFreq = opts.scaleGradByFreq ?? false;
    this.sparse = opts.sparse ?? false;
    if (this.sparse) throw new Error('Embedding: sparse gradients are not supported (use sparse: false)');
    if (opts.weight) {
      if (
        opts.weight.ndim !== 2 ||
        opts.weight.shape[0] !== numEmbeddings ||
        opts.weight.shape[1] !== embeddingDim
      ) {
        throw new RangeError(
          `Embedding: shape of weight ${fmtShape(opts.weight.shape)} does not match numEmbeddings, embeddingDim [${numEmbeddings}, ${embeddingDim}]`,
        );
      }
      this.registerParameter('weight', opts.weight);
    } else {
      this.registerParameter('weight', full([numEmbeddings, embeddingDim], 0));
      this.resetParameters();
    }
  }

  /** N(0, 1), then the padding row zeroed. */
  resetParameters(): void {
    normal_(this.weight);
    this.fillPaddingIdxWithZero();
  }

  private fillPaddingIdxWithZero(): void {
    if (this.paddingIdx === null) return;
    const p = this.paddingIdx;
    noGrad(() => {
      const row = this.weight.select(0, p);
      this.weight.backend.fill(row._view('Embedding'), 0);
      row.dispose();
    });
  }

  /** An Embedding holding `embeddings` (frozen by default, as PyTorch). */
  static fromPretrained(
    embeddings: Tensor,
    opts: Omit<EmbeddingOptions, 'sparse'> & { freeze?: boolean } = {},
  ): Embedding {
    if (embeddings.ndim !== 2)
      throw new RangeError('Embedding.fromPretrained: embeddings parameter is expected to be 2-dimensional');
    const [rows, cols] = embeddings.shape;
    const m = new Embedding(rows, cols, { ...opts, weight: embeddings.detach().clone() });
    m.weight.requiresGrad_(!(opts.freeze ?? true));
    return m;
  }

  forward(input: Tensor): Tensor {
    return embedding(
      input,
      this.weight,
      {
        paddingIdx: this.paddingIdx,
        maxNorm: this.maxNorm,
        normType: this.normType,
        scaleGradByFreq: this.scaleGradByFreq,
      },
      'Embedding',
    );
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, paddingIdx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, maxNorm=${this.maxNorm}`;
    if (this.normType !== 2) s += `, normType=${this.normType}`;
    if (this.scaleGradByFreq) s += ', scaleGradByFreq=true';
    return s;
  }
}
