/**
 * Tensor's reduction and matrix-product methods (ops/reduce.ts, ops/linalg.ts), declared and
 * installed as methods-elementwise.ts's are.
 */
import * as LA from '../ops/linalg.js';
import * as R from '../ops/reduce.js';
// Imported under another name: inside the augmentation below `KeepDim` would resolve to
// tensor.ts's own export, so tsc drops the import from the emitted .d.ts, where the name
// is then unbound (TS2304 in a consumer with skipLibCheck false; tooling/consumers checks).
import type { KeepDim as KeepDimOpts, Tensor } from './tensor.js';

declare module './tensor.js' {
  interface Tensor {
    /** Sum over `dim` (one dim, a list, or all when omitted or null). Integer and bool tensors sum to int32. */
    sum(dim?: number | number[] | null, opts?: KeepDimOpts): Tensor;
    /** Mean over `dim` (one dim, a list, or all when omitted or null). Float tensors only. */
    mean(dim?: number | number[] | null, opts?: KeepDimOpts): Tensor;
    /** Product over `dim`, or of all elements when omitted or null. */
    prod(dim?: number | null, opts?: KeepDimOpts): Tensor;
    /**
     * Largest values over `dim` (values only; {@link Tensor.argmax} gives the indices), or the largest
     * element when omitted.
     */
    max(dim?: number | number[] | null, opts?: KeepDimOpts): Tensor;
    /**
     * Smallest values over `dim` (values only; {@link Tensor.argmin} gives the indices), or the smallest
     * element when omitted.
     */
    min(dim?: number | number[] | null, opts?: KeepDimOpts): Tensor;
    /**
     * Index of the largest value over `dim` (the first on ties), int32; over the flattened tensor when
     * omitted.
     */
    argmax(dim?: number | null, opts?: KeepDimOpts): Tensor;
    /**
     * Index of the smallest value over `dim` (the first on ties), int32; over the flattened tensor when
     * omitted.
     */
    argmin(dim?: number | null, opts?: KeepDimOpts): Tensor;
    /** Variance over `dim` (all when omitted) with Bessel's `correction` (default 1). */
    var(dim?: number | number[] | null, opts?: R.VarOptions): Tensor;
    /** Standard deviation over `dim` (all when omitted) with Bessel's `correction` (default 1). */
    std(dim?: number | number[] | null, opts?: R.VarOptions): Tensor;
    /** `log(sum(exp(this)))` over `dim`, computed without overflow. */
    logsumexp(dim: number | number[], opts?: KeepDimOpts): Tensor;
    /** True where every element over `dim` (or of the tensor) is non-zero; a bool tensor. */
    all(dim?: number | null, opts?: KeepDimOpts): Tensor;
    /** True where some element over `dim` (or of the tensor) is non-zero; a bool tensor. */
    any(dim?: number | null, opts?: KeepDimOpts): Tensor;
    /**
     * Matrix product with torch.matmul's rules: 1-d operands are vectors, leading dims broadcast (`[B, N, K]
     * @ [K, M] -> [B, N, M]`).
     */
    matmul(o: Tensor): Tensor;
    /** Product of two 2-d matrices `[N, K] @ [K, M] -> [N, M]` (no broadcasting). */
    mm(o: Tensor): Tensor;
    /** Batched product of 3-d tensors `[B, N, K] @ [B, K, M] -> [B, N, M]` (no broadcasting). */
    bmm(o: Tensor): Tensor;
  }
}

/** @internal The implementations, typed by the declarations above. */
export const reduceMethods = {
  sum(dim, opts) {
    return R.sum(this, dim, opts);
  },
  mean(dim, opts) {
    return R.mean(this, dim, opts);
  },
  prod(dim, opts) {
    return R.prod(this, dim, opts);
  },
  max(dim, opts) {
    return R.max(this, dim, opts);
  },
  min(dim, opts) {
    return R.min(this, dim, opts);
  },
  argmax(dim, opts) {
    return R.argmax(this, dim, opts);
  },
  argmin(dim, opts) {
    return R.argmin(this, dim, opts);
  },
  var(dim, opts) {
    return R.variance(this, dim, opts);
  },
  std(dim, opts) {
    return R.std(this, dim, opts);
  },
  logsumexp(dim, opts) {
    return R.logsumexp(this, dim, opts);
  },
  all(dim, opts) {
    return R.all(this, dim, opts);
  },
  any(dim, opts) {
    return R.any(this, dim, opts);
  },
  matmul(o) {
    return LA.matmul(this, o);
  },
  mm(o) {
    return LA.mm(this, o);
  },
  bmm(o) {
    return LA.bmm(this, o);
  },
} satisfies Partial<Tensor> & ThisType<Tensor>;
