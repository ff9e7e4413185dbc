/**
 * torch.scatter and its relatives (scatter_reduce, index_add/copy/fill, index_put), composed
 * from the contract's gather, scatterAdd and where: no new kernel. Plain replacement is
 * "sum into zeros, then pick where something landed", so with repeated indices it sums (PyTorch
 * leaves that case unspecified). prod goes through logs of magnitudes plus a sign and a zero
 * count; amax/amin through a stable two-key sort that leaves each target's extreme last.
 * All are out-of-place: layers has no public in-place ops (`x.scatter_(...)` is written
 * `x = x.scatter(...)`).
 */

import { noGrad } from '../autograd/grad-mode.js';
import { attach } from '../autograd/node.js';
import { tidy } from '../tensor/scope.js';
import { fmtShape, normDim } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { arange, full } from './creation.js';
import { maximum, where } from './elementwise.js';
import { cat, checkIndices, gatherUnchecked, scatterAddUnchecked } from './indexing.js';
import { backendOf } from './kernel.js';
import { argsort, sort } from './sort.js';
import { contiguous, expand, narrow, reshape } from './view.js';

/** Reductions of {@link scatterReduce}, as torch.scatter_reduce names them. */
export type ScatterReduce = 'sum' | 'prod' | 'mean' | 'amax' | 'amin';

/** Options of {@link scatter}. */
export interface ScatterOptions {
  /** Combine with the existing value instead of replacing it (torch's `reduce`). */
  reduce?: 'add' | 'multiply';
}

/** Options of {@link scatterReduce}. */
export interface ScatterReduceOptions {
  /** Whether the existing values of `x` take part in the reduction (default true). */
  includeSelf?: boolean;
}

/** Shared checks of the scatter family; returns the normalised dim. @internal */
export function checkScatter(op: string, x: Tensor, dim: number, index: Tensor, src: Tensor | null): number {
  backendOf(op, x, index, ...(src ? [src] : []));
  const d = normDim(dim, Math.max(x.ndim, 1), op);
  if (index.ndim !== x.ndim || (src && src.ndim !== x.ndim)) {
    throw new RangeError(
      `${op}: index${src ? ', src' : ''} and input must have the same number of dimensions (index ${index.ndim}-D, input ${x.ndim}-D${src ? `, src ${src.ndim}-D` : ''})`,
    );
  }
  for (let i = 0; i < x.ndim; i++) {
    if ((src && index.shape[i] > src.shape[i]) || (i !== d && index.shape[i] > x.shape[i])) {
      throw new RangeError(
        `${op}: expected index ${fmtShape(index.shape)} to be no larger than input ${fmtShape(x.shape)} apart from dimension ${d}${src ? ` and no larger than src ${fmtShape(src.shape)}` : ''}`,
      );
    }
  }
  if (src && src.dtype !== x.dtype) {
    throw new TypeError(
      `${op}: expected input and src to have the same dtype, got ${x.dtype} and ${src.dtype}`,
    );
  }
  checkIndices(index, x.shape[d] ?? 1, op);
  return d;
}

/** How many src elements land on each position of x (float32, no gradient). */
function landings(x: Tensor, d: number, index: Tensor): Tensor {
  return noGrad(() =>
    scatterAddUnchecked(
      full(x.shape, 0, { backend: x.backend }),
      d,
      index,
      full(index.shape, 1, { backend: x.backend }),
    ),
  );
}

/** The leading index-shaped block of src (the part a scatter reads). */
function used(src: Tensor, index: Tensor): Tensor {
  return index.shape.reduce<Tensor>((s, n, i) => (s.shape[i] === n ? s : narrow(s, i, 0, n)), src);
}

/** Replacement scatter on validated arguments. @internal */
export function scatterReplace(x: Tensor, d: number, index: Tensor, src: Tensor): Tensor {
  return tidy(() => {
    const hit = landings(x, d, index).gt(0);
    const placed = scatterAddUnchecked(
      full(x.shape, 0, { backend: x.backend, dtype: x.dtype }),
      d,
      index,
      src,
    );
    return where(hit, placed, x);
  });
}

/**
 * torch.scatter: `x` with `src` (a tensor, or one number) written at the positions `index` names
 * along `dim`; with `reduce` the values are added or multiplied in instead. Gradients reach `x`
 * (where nothing was written) and `src` (its gathered positions).
 */
export function scatter(
  x: Tensor,
  dim: number,
  index: Tensor,
  src: Tensor | number,
  opts: ScatterOptions = {},
): Tensor {
  const s = typeof src === 'number' ? null : src;
  const d = checkScatter('scatter', x, dim, index, s);
  return tidy(() => {
    const v = s ?? full(index.shape, src as number, { backend: x.backend, dtype: x.dtype });
    if (opts.reduce === 'add') return scatterAddUnchecked(x, d, index, v);
    if (opts.reduce === 'multiply') return reduceOn(x, d, index, used(v, index), 'prod', true);
    if (opts.reduce !== undefined) {
      throw new RangeError(`scatter: reduce must be 'add' or 'multiply', got '${opts.reduce}'`);
    }
    return scatterReplace(x, d, index, v);
  });
}

/**
 * torch.scatter_reduce: reduce the `src` values landing on each position of `x` (and, with
 * `includeSelf`, the value already there) by sum, prod, mean, amax or amin. Positions nothing
 * lands on keep `x`. Gradients follow PyTorch 1.13 (amax/amin share the gradient evenly among
 * ties; prod's at a lone zero is the product of the other inputs).
 */
export function scatterReduce(
  x: Tensor,
  dim: number,
  index: Tensor,
  src: Tensor,
  reduce: ScatterReduce,
  opts: ScatterReduceOptions = {},
): Tensor {
  const d = checkScatter('scatterReduce', x, dim, index, src);
  if (!['sum', 'prod', 'mean', 'amax', 'amin'].includes(reduce)) {
    throw new RangeError(`scatterReduce: reduce must be one of sum, prod, mean, amax, amin; got '${reduce}'`);
  }
  if ((reduce === 'mean' || reduce === 'prod') && x.dtype !== 'float32') {
    throw new TypeError(`scatterReduce: reduce '${reduce}' needs float32 input, got ${x.dtype}`);
  }
  return tidy(() => reduceOn(x, d, index, used(src, index), reduce, opts.includeSelf ?? true));
}

function reduceOn(
  x: Tensor,
  d: number,
  index: Tensor,
  v: Tensor,
  reduce: ScatterReduce,
  self: boolean,
): Tensor {
  const count = landings(x, d, index);
  const hit = count.gt(0);
  const into = (base: Tensor, s: Tensor) => scatterAddUnchecked(base, d, index, s);
  if (reduce === 'sum') return into(self ? x : where(hit, 0, x), v);
  if (reduce === 'mean') {
    const n = self ? count.add(1) : count.clamp(1, null);
    return where(hit, into(self ? x : where(hit, 0, x), v).div(n), x);
  }
  if (reduce === 'prod') return product(x, d, index, v, self, hit);
  return extreme(x, d, index, v, reduce === 'amax', self, hit);
}

/** Products (no gradient): exp of summed log magnitudes, a sign from the negatives, 0 if any zero. */
function productValue(x: Tensor, d: number, index: Tensor, v: Tensor, self: boolean, hit: Tensor): Tensor {
  return noGrad(() =>
    tidy(() => {
      const into = (s: Tensor) => scatterAddUnchecked(full(x.shape, 0, { backend: x.backend }), d, index, s);
      const zero = v.eq(0);
      const logs = into(where(zero, 1, v).abs().log());
      const sign = into(v.lt(0).float()).remainder(2).mul(-2).add(1);
      const p = where(into(zero.float()).gt(0), 0, logs.exp().mul(sign));
      return where(hit, self ? x.mul(p) : p, x);
    }),
  );
}

/**
 * scatterReduce prod with PyTorch 1.13's gradient: result / input where the input is nonzero,
 * and for a single zero among a target's inputs the product of the others (recomputed with
 * that zero replaced by 1), so zeros do not wipe out their own gradient.
 */
function product(x: Tensor, d: number, index: Tensor, v: Tensor, self: boolean, hit: Tensor): Tensor {
  const result = productValue(x, d, index, v, self, hit);
  const saved = [index, result.detach(), x.detach(), v.detach(), hit];
  return attach(result, 'scatterReduce(prod)', [x, v], saved, (g, [idx, res, xd, vd, hitS]) => {
    const maskedSelf = where(xd.eq(0), 1, xd);
    const gSelfAll = g.mul(productValue(maskedSelf, d, idx, vd, self, hitS)).div(maskedSelf);
    const gSelf = where(hitS, self ? gSelfAll : 0, g);
    const srcZero = vd.eq(0);
    const zeros = scatterAddUnchecked(full(xd.shape, 0, { backend: xd.backend }), d, idx, srcZero.float());
    const single = srcZero.logicalAnd(gatherUnchecked(zeros, d, idx).eq(1));
    const others = productValue(xd, d, idx, where(single, 1, vd), self, hitS);
    const gSrc = where(
      single,
      gatherUnchecked(g.mul(others), d, idx),
      gatherUnchecked(g.mul(res), d, idx).div(where(srcZero, 1, vd)),
    );
    return [gSelf, gSrc];
  });
}

/**
 * amax/amin: sort the landing values ascending (stable), then stably by target, so the last of
 * each target's run is its maximum (NaN sorts last, so it wins as PyTorch's does). amin is amax
 * of the negation, which is exact.
 */
function extreme(
  x: Tensor,
  d: number,
  index: Tensor,
  v: Tensor,
  isMax: boolean,
  self: boolean,
  hit: Tensor,
): Tensor {
  const result = noGrad(() =>
    tidy(() => {
      if (index.size === 0) return where(hit, 0, x);
      const vals = isMax ? v : v.neg();
      // Linear position in x of each landing element.
      let lin = index.mul(x.strides[d] ?? 1);
      for (let i = 0; i < x.ndim; i++) {
        if (i === d) continue;
        const shape = index.shape.map((_, j) => (j === i ? index.shape[i] : 1));
        const coord = reshape(arange(0, index.shape[i], 1, { backend: x.backend, dtype: 'int32' }), shape);
        lin = lin.add(coord.mul(x.strides[i]));
      }
      const n = index.size;
      const byValue = sort(reshape(contiguous(vals), [n]));
      const lin1 = gatherUnchecked(reshape(contiguous(lin), [n]), 0, byValue.indices);
      const byTarget = argsort(lin1);
      const lins = gatherUnchecked(lin1, 0, byTarget);
      const vs = gatherUnchecked(byValue.values, 0, byTarget);
      const next = cat([narrow(lins, 0, 1, n - 1), full([1], -1, { backend: x.backend, dtype: 'int32' })]);
      const last = lins.ne(next);
      const flat = full([x.size], 0, { backend: x.backend, dtype: x.dtype });
      const seg = reshape(scatterAddUnchecked(flat, 0, lins, where(last, vs, 0)), x.shape);
      const m = isMax ? seg : seg.neg();
      const withSelf = self ? (isMax ? maximum(x, m) : minOf(x, m)) : m;
      return where(hit, withSelf, x);
    }),
  );
  const name = isMax ? 'scatterReduce(amax)' : 'scatterReduce(amin)';
  // Everything the backward reads is saved: tensors made in this tidy would be freed by then.
  return attach(result, name, [x, v], [index, result.detach(), x.detach(), v.detach(), hit], (g, saved) => {
    const [idx, value, xd, vd, hitS] = saved;
    // PyTorch 1.13: the gradient is shared evenly by every input equal to the result.
    const selfIs = xd.eq(value).float();
    const srcIs = vd.eq(gatherUnchecked(value, d, idx)).float();
    const shares = scatterAddUnchecked(selfIs, d, idx, srcIs);
    const per = g.div(where(shares.eq(0), 1, shares));
    const gSelf = per.mul(selfIs);
    return [self ? gSelf : where(hitS, 0, gSelf), gatherUnchecked(per, d, idx).mul(srcIs)];
  });
}

function minOf(a: Tensor, b: Tensor): Tensor {
  // minimum with NaN propagation, as maximum of the negations.
  return maximum(a.neg(), b.neg()).neg();
}

/** A 1-D index along `dim` expanded to `shape` (stride 0 elsewhere), made contiguous. */
function spread(op: string, index: Tensor, d: number, shape: readonly number[], size: number): Tensor {
  if (index.ndim > 1) throw new RangeError(`${op}: index must be 1-D, got ${index.ndim}-D`);
  checkIndices(
    index,
    size,
    op,
    (v) => `${op}: index ${v} is out of bounds for dimension ${d} with size ${size}`,
  );
  const ones = shape.map((_, i) => (i === d ? index.size : 1));
  return contiguous(expand(reshape(index, ones), shape));
}

function checkSource(op: string, x: Tensor, d: number, index: Tensor, source: Tensor): void {
  backendOf(op, x, index, source);
  const want = x.shape.map((s, i) => (i === d ? index.size : s));
  if (source.ndim !== x.ndim || source.shape.some((s, i) => s !== want[i])) {
    throw new RangeError(
      `${op}: source ${fmtShape(source.shape)} must have the input's shape ${fmtShape(x.shape)} with dimension ${d} of size ${index.size} (the index length)`,
    );
  }
  if (source.dtype !== x.dtype) {
    throw new TypeError(
      `${op}: expected input and source to have the same dtype, got ${x.dtype} and ${source.dtype}`,
    );
  }
}

/** torch.index_add: `x` with `alpha * source` added at the 1-D `index` positions along `dim`. */
export function indexAdd(
  x: Tensor,
  dim: number,
  index: Tensor,
  source: Tensor,
  opts: { alpha?: number } = {},
): Tensor {
  const d = normDim(dim, x.ndim, 'indexAdd');
  checkSource('indexAdd', x, d, index, source);
  return tidy(() => {
    const idx = spread('indexAdd', index, d, source.shape, x.shape[d]);
    const alpha = opts.alpha ?? 1;
    return scatterAddUnchecked(x, d, idx, alpha === 1 ? source : source.mul(alpha));
  });
}

/** torch.index_copy: `x` with the slices of `source` written at the 1-D `index` positions along `dim`. */
export function indexCopy(x: Tensor, dim: number, index: Tensor, source: Tensor): Tensor {
  const d = normDim(dim, x.ndim, 'indexCopy');
  checkSource('indexCopy', x, d, index, source);
  return tidy(() => scatterReplace(x, d, spread('indexCopy', index, d, source.shape, x.shape[d]), source));
}

/** torch.index_fill: `x` with `value` at the 1-D `index` positions along `dim`. */
export function indexFill(x: Tensor, dim: number, index: Tensor, value: number): Tensor {
  const d = normDim(dim, x.ndim, 'indexFill');
  backendOf('indexFill', x, index);
  return tidy(() => {
    const shape = x.shape.map((s, i) => (i === d ? index.size : s));
    const idx = spread('indexFill', index, d, shape, x.shape[d]);
    // Repeated indices fill the same value: pick it where anything landed (no sum).
    return where(landings(x, d, idx).gt(0), value, x);
  });
}
