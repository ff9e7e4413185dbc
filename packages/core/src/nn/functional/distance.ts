/**
 * Distances between rows: F.pairwiseDistance and F.cosineSimilarity (torch.nn.functional's
 * pairwise_distance and cosine_similarity).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { cosineImpl, pairwiseImpl } from './distance-impl.js';

/** Options of {@link pairwiseDistance} and nn.PairwiseDistance. */
export interface PairwiseDistanceOptions {
  /** The norm degree (default 2; any p >= 0, `Infinity` for the largest difference). */
  p?: number;
  /** Added to the difference before the norm, so equal rows have a differentiable distance (default 1e-6). */
  eps?: number;
  /** Keep the reduced last dim as size 1 (default false). */
  keepdim?: boolean;
}

/** Options of {@link cosineSimilarity} and nn.CosineSimilarity. */
export interface CosineSimilarityOptions {
  /** The dim along which the cosine is taken (default 1). */
  dim?: number;
  /** Lower bound of each norm, so zero rows give 0 rather than NaN (default 1e-8). */
  eps?: number;
}

/**
 * `||x1 - x2 + eps||_p` along the last dim (torch.nn.functional.pairwise_distance): inputs broadcast,
 * the result drops the last dim unless `keepdim`.
 */
export function pairwiseDistance(x1: Tensor, x2: Tensor, opts: PairwiseDistanceOptions = {}): Tensor {
  return pairwiseImpl(x1, x2, opts, 'pairwiseDistance');
}

/**
 * `sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps))` along `dim` (torch.nn.functional.cosine_similarity
 * of PyTorch 1.13): inputs broadcast, the result drops `dim`.
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, opts: CosineSimilarityOptions = {}): Tensor {
  return cosineImpl(x1, x2, opts, 'cosineSimilarity');
}
