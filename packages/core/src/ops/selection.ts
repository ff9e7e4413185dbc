/**
 * torch.mode (composed on the device from a stable sort and run lengths) and torch.unique /
 * unique_consecutive, whose result size depends on the data: they read it and are async.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { decodeHalf, isHalf } from '../tensor/half.js';
import { tidy } from '../tensor/scope.js';
import { normDim } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { arange, fromTypedArray } from './creation.js';
import { where } from './elementwise.js';
import { cat, gather } from './indexing.js';
import { argmax } from './reduce.js';
import { cummax } from './scan.js';
import { sort, type ValuesIndices } from './sort.js';
import { expand, narrow, reshape, squeeze } from './view.js';

/**
 * torch.mode: the most frequent value along `dim` (the smallest on ties) and the index of its
 * last occurrence, as PyTorch returns. The values carry the gradient (to that index).
 */
export function mode(x: Tensor, dim = -1, opts: { keepdim?: boolean } = {}): ValuesIndices {
  if (x.ndim === 0) return mode(reshape(x, [1]), 0, { keepdim: false });
  const d = normDim(dim, x.ndim, 'mode');
  const n = x.shape[d];
  if (n === 0) throw new RangeError(`mode: cannot compute the mode of an empty dimension (dimension ${d})`);
  return tidy(() => {
    const index = noGrad(() => {
      const s = sort(x, { dim: d });
      // Start of the run each sorted position belongs to; the run length peaks at its end.
      const prev = cat([narrow(s.values, d, 0, 1), narrow(s.values, d, 0, n - 1)], d);
      const pos = expand(
        reshape(
          arange(0, n, 1, { backend: x.backend, dtype: 'int32' }),
          x.shape.map((m, i) => (i === d ? m : 1)),
        ),
        x.shape,
      );
      const start = cummax(where(s.values.ne(prev), pos, 0), d).values;
      // argmax takes the first longest run: the smallest value among ties (sorted ascending).
      const best = argmax(pos.sub(start).float(), d, { keepdim: true });
      return gather(s.indices, d, best);
    });
    const values = gather(x, d, index);
    return opts.keepdim
      ? { values, indices: index }
      : { values: squeeze(values, d), indices: squeeze(index, d) };
  });
}

/** Options of {@link unique} and {@link uniqueConsecutive}. */
export interface UniqueOptions {
  /** Sort the unique values ascending (always done here; PyTorch leaves unsorted order unspecified). */
  sorted?: boolean;
  /** Also return, for each input element (or slice), the index of its unique value. */
  returnInverse?: boolean;
  /** Also return how often each unique value (or slice) occurs. */
  returnCounts?: boolean;
  /** Unique slices along this dim instead of unique elements of the flattened tensor. */
  dim?: number;
}

/** The unique values and, on request, inverse indices and counts (int32). */
export interface UniqueResult {
  /** The unique values (or slices along `dim`). */
  values: Tensor;
  /** Per input element (slice): the position of its value in `values`. */
  inverse?: Tensor;
  /** Occurrences of each unique value (slice). */
  counts?: Tensor;
}

/** Compare two rows of numbers as PyTorch orders them (NaN last). */
function cmpRows(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
    if (Number.isNaN(y)) return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

async function uniqueImpl(x: Tensor, opts: UniqueOptions, consecutive: boolean): Promise<UniqueResult> {
  const op = consecutive ? 'uniqueConsecutive' : 'unique';
  const flat = opts.dim === undefined;
  const src = flat ? reshape(x, [x.size]) : x;
  const d = flat ? 0 : normDim(opts.dim as number, x.ndim, op);
  const n = src.ndim === 0 ? 1 : src.shape[d];
  // 16-bit floats read back as bits: compare their values.
  const raw = await src.data();
  const data = Array.from(isHalf(src.dtype) ? decodeHalf(src.dtype, raw) : raw);
  const strides = src.shape.map((_, i) => src.shape.slice(i + 1).reduce((a, m) => a * m, 1));
  // Slice k along d, as a row of numbers in row-major order of the other dims.
  const others = src.shape.filter((_, i) => i !== d);
  const inner = others.reduce((a, m) => a * m, 1);
  const row = (k: number): number[] => {
    const out: number[] = [];
    for (let j = 0; j < inner; j++) {
      let rem = j;
      let off = k * (strides[d] ?? 1);
      for (let i = src.ndim - 1; i >= 0; i--) {
        if (i === d) continue;
        off += (rem % src.shape[i]) * strides[i];
        rem = Math.floor(rem / src.shape[i]);
      }
      out.push(data[off]);
    }
    return out;
  };
  const rows = Array.from({ length: n }, (_, k) => row(k));
  const order = Array.from({ length: n }, (_, k) => k);
  if (!consecutive) order.sort((a, b) => cmpRows(rows[a], rows[b]) || a - b);
  const inverse = new Int32Array(n);
  const firsts: number[] = [];
  const counts: number[] = [];
  for (const k of order) {
    const last = firsts.length - 1;
    if (last >= 0 && cmpRows(rows[firsts[last]], rows[k]) === 0) counts[last]++;
    else {
      firsts.push(k);
      counts.push(1);
    }
    inverse[k] = firsts.length - 1;
  }
  const m = firsts.length;
  const outShape = src.shape.map((s, i) => (i === d ? m : s));
  const values = tidy(() => {
    const picked = fromTypedArray(new Int32Array(firsts), [m], x.backend);
    const idxShape = src.shape.map((_, i) => (i === d ? m : 1));
    return noGrad(() => gather(src, d, expand(reshape(picked, idxShape), outShape)));
  });
  const result: UniqueResult = { values };
  if (opts.returnInverse) {
    result.inverse = fromTypedArray(inverse, flat ? x.shape : [n], x.backend);
  }
  if (opts.returnCounts) result.counts = fromTypedArray(new Int32Array(counts), [m], x.backend);
  return result;
}

/**
 * torch.unique: the distinct values of `x` (flattened), or distinct slices along `dim`,
 * ascending, with optional inverse indices and counts. Async: the size depends on the data.
 */
export function unique(x: Tensor, opts: UniqueOptions = {}): Promise<UniqueResult> {
  return uniqueImpl(x, opts, false);
}

/**
 * torch.unique_consecutive: collapse runs of equal consecutive values (or slices along `dim`),
 * with optional inverse indices and counts. Async: the size depends on the data.
 */
export function uniqueConsecutive(x: Tensor, opts: UniqueOptions = {}): Promise<UniqueResult> {
  return uniqueImpl(x, opts, true);
}
