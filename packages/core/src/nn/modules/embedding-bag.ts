/** nn.EmbeddingBag: bags of embedding rows summed, averaged or max-reduced (torch.nn.EmbeddingBag). */
import { noGrad } from '../../autograd/grad-mode.js';
import { full } from '../../ops/creation.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { resolvePaddingIdx } from '../functional/embedding.js';
import { type EmbeddingBagMode, embeddingBag } from '../functional/embedding-bag.js';
import { normal_ } from '../init.js';
import { Module } from '../module.js';
import { checkOptions, forwardSignature } from '../validate.js';

/** Options of {@link EmbeddingBag}, with PyTorch's defaults. */
export interface EmbeddingBagModuleOptions {
  /** Renormalise looked-up rows whose normType-norm exceeds this (default none). */
  maxNorm?: number | null;
  /** p of the maxNorm norm (default 2). */
  normType?: number;
  /** Scale row gradients by inverse frequency in the batch (default false; not with mode 'max'). */
  scaleGradByFreq?: boolean;
  /** How each bag's rows combine (default `'mean'`). */
  mode?: EmbeddingBagMode;
  /** Must stay false: sparse gradients are not supported. */
  sparse?: boolean;
  /** An initial table `[numEmbeddings, embeddingDim]` (PyTorch's `_weight`). */
  weight?: Tensor;
  /** offsets has B + 1 entries, the last the end of the last bag (default false). */
  includeLastOffset?: boolean;
  /** Index left out of every bag, its row zero at init (negative counts from the end; default none). */
  paddingIdx?: number | null;
}

/**
 * Sums, means or maxima of bags of rows of an embedding table: `forward(input, offsets?,
 * perSampleWeights?)` with int32 `input` `[B, N]` (each row a bag) or `[L]` with int32 `offsets` `[B]`;
 * returns `[B, embeddingDim]`. State-dict key `weight`, N(0, 1) initialised.
 */
export class EmbeddingBag extends Module {
  /** Forward takes (input, offsets?, perSampleWeights?). */
  static override signature = forwardSignature('input offsets? perSampleWeights?');
  /** Learnable table `[numEmbeddings, embeddingDim]`. */
  declare weight: Tensor;
  /** Renormalisation bound of looked-up rows, or null. */
  readonly maxNorm: number | null;
  /** p of the maxNorm norm. */
  readonly normType: number;
  /** Whether gradients are scaled by inverse frequency. */
  readonly scaleGradByFreq: boolean;
  /** How each bag's rows combine. */
  readonly mode: EmbeddingBagMode;
  /** Always false. */
  readonly sparse: boolean;
  /** Whether offsets carries the end of the last bag. */
  readonly includeLastOffset: boolean;
  /** Index left out of every bag, or null. */
  readonly paddingIdx: number | null;

  constructor(
    /** Rows of the table. */
    readonly numEmbeddings: number,
    /** Size of each row. */
    readonly embeddingDim: number,
    opts: EmbeddingBagModuleOptions = {},
  ) {
    super();
    checkOptions(this.name, opts, [
      'maxNorm',
      'normType',
      'scaleGradByFreq',
      'mode',
      'sparse',
      'weight',
      'includeLastOffset',
      'paddingIdx',
    ]);
    this.maxNorm = opts.maxNorm ?? null;
    this.normType = opts.normType ?? 2;
    this.scaleGradByFreq = opts.scaleGradByFreq ?? false;
    this.mode = opts.mode ?? 'mean';
    if (this.mode !== 'sum' && this.mode !== 'mean' && this.mode !== 'max') {
      throw new RangeError(`${this.name}: mode must be 'sum', 'mean' or 'max', got '${this.mode}'`);
    }
    this.sparse = opts.sparse ?? false;
    if (this.sparse) throw new Error(`${this.name}: sparse gradients are not supported (use sparse: false)`);
    this.includeLastOffset = opts.includeLastOffset ?? false;
    this.paddingIdx = resolvePaddingIdx(opts.paddingIdx, numEmbeddings, this.name);
    if (opts.weight) {
      const w = opts.weight;
      if (w.ndim !== 2 || w.shape[0] !== numEmbeddings || w.shape[1] !== embeddingDim) {
        throw new RangeError(
          `${this.name}: shape of weight ${fmtShape(w.shape)} does not match numEmbeddings, embeddingDim [${numEmbeddings}, ${embeddingDim}]`,
        );
      }
      this.registerParameter('weight', w);
    } else {
      this.registerParameter('weight', full([numEmbeddings, embeddingDim], 0));
      this.resetParameters();
    }
  }

  /** N(0, 1), then the padding row zeroed. */
  resetParameters(): void {
    normal_(this.weight);
    const p = this.paddingIdx;
    if (p === null) return;
    noGrad(() => {
      const row = this.weight.select(0, p);
      this.weight.backend.fill(row._view(this.name), 0);
      row.dispose();
    });
  }

  forward(input: Tensor, offsets?: Tensor | null, perSampleWeights?: Tensor | null): Tensor {
    return embeddingBag(
      input,
      this.weight,
      {
        offsets: offsets ?? null,
        perSampleWeights: perSampleWeights ?? null,
        mode: this.mode,
        maxNorm: this.maxNorm,
        normType: this.normType,
        scaleGradByFreq: this.scaleGradByFreq,
        includeLastOffset: this.includeLastOffset,
        paddingIdx: this.paddingIdx,
      },
      this.name,
    );
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}, mode=${this.mode}`;
    if (this.paddingIdx !== null) s += `, paddingIdx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, maxNorm=${this.maxNorm}`;
    if (this.includeLastOffset) s += ', includeLastOffset=true';
    return s;
  }
}
