/** Distance modules over F (torch.nn.PairwiseDistance, torch.nn.CosineSimilarity). */
import type { Tensor } from '../../tensor/tensor.js';
import type * as F from '../functional/distance.js';
import { checkNormDegree, cosineImpl, PAIRWISE_KEYS, pairwiseImpl } from '../functional/distance-impl.js';
import { Module } from '../module.js';
import { checkOptions, forwardSignature } from '../validate.js';

/** `||x1 - x2 + eps||_p` along the last dim (torch.nn.PairwiseDistance): `forward(x1, x2)`, inputs broadcast. */
export class PairwiseDistance extends Module {
  /** Forward takes (x1, x2). */
  static override signature = forwardSignature('x1 x2');
  /** The norm degree (default 2). */
  readonly norm: number;
  /** Added to the difference (default 1e-6). */
  readonly eps: number;
  /** Whether the last dim is kept (default false). */
  readonly keepdim: boolean;
  constructor(opts: F.PairwiseDistanceOptions = {}) {
    super();
    checkOptions(this.name, opts, PAIRWISE_KEYS);
    this.norm = opts.p ?? 2;
    checkNormDegree(this.norm, this.name);
    this.eps = opts.eps ?? 1e-6;
    this.keepdim = opts.keepdim ?? false;
  }
  forward(x1: Tensor, x2: Tensor): Tensor {
    return pairwiseImpl(x1, x2, { p: this.norm, eps: this.eps, keepdim: this.keepdim }, this.name);
  }
}

/** Cosine of the angle between x1 and x2 along `dim` (torch.nn.CosineSimilarity): `forward(x1, x2)`. */
export class CosineSimilarity extends Module {
  /** Forward takes (x1, x2). */
  static override signature = forwardSignature('x1 x2');
  /** The dim the cosine is taken along (default 1). */
  readonly dim: number;
  /** Lower bound of each norm (default 1e-8). */
  readonly eps: number;
  constructor(opts: F.CosineSimilarityOptions = {}) {
    super();
    checkOptions(this.name, opts, ['dim', 'eps']);
    this.dim = opts.dim ?? 1;
    this.eps = opts.eps ?? 1e-8;
  }
  forward(x1: Tensor, x2: Tensor): Tensor {
    return cosineImpl(x1, x2, { dim: this.dim, eps: this.eps }, this.name);
  }
}
