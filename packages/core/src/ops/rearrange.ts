/**
 * Rearranging ops composed from views, gathers and copies: flip, roll, repeat, tile,
 * repeatInterleave, tril, triu, diagonal, diag, trace, meshgrid, movedim, swapaxes, unbind,
 * tensorSplit. Gradients come from the ops they are built of, except diagonal, a strided
 * view whose backward writes the gradient onto the diagonal of zeros.
 */

import { attach } from '../autograd/node.js';
import { tidy } from '../tensor/scope.js';
import { fmtShape, normDim, normDims } from '../tensor/shape.js';
import { makeView, type Tensor } from '../tensor/tensor.js';
import { fromTypedArray } from './creation.js';
import { where } from './elementwise.js';
import { cat, indexSelectUnchecked } from './indexing.js';
import { empty } from './kernel.js';
import { sum } from './reduce.js';
import { clone, embedWindow, expand, narrow, permute, reshape, select, transpose } from './view.js';

function intList(name: string, what: string, v: readonly number[]): void {
  for (const x of v) {
    if (!Number.isInteger(x)) throw new TypeError(`${name}: expected integer ${what}, got ${x}`);
  }
}

/**
 * torch.flip: reverse the order of elements along each of `dims` (a copy, as in PyTorch).
 * @param dims - the dims to reverse (negative counts from the end); repeats are an error.
 */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  x._check('flip');
  const list = normDims(typeof dims === 'number' ? [dims] : dims, x.ndim, 'flip');
  return tidy(() => {
    let out = x;
    for (const d of list) {
      const n = x.shape[d];
      const idx = new Int32Array(n);
      for (let i = 0; i < n; i++) idx[i] = n - 1 - i;
      out = indexSelectUnchecked(out, d, fromTypedArray(idx, [n], x.backend));
    }
    return out === x ? clone(x) : out;
  });
}

/**
 * torch.roll: shift elements along `dims` by `shifts`, wrapping around. Without `dims` the
 * tensor is flattened, rolled and reshaped back.
 */
export function roll(
  x: Tensor,
  shifts: number | readonly number[],
  dims?: number | readonly number[],
): Tensor {
  x._check('roll');
  const s = typeof shifts === 'number' ? [shifts] : [...shifts];
  intList('roll', 'shifts', s);
  if (dims === undefined || (Array.isArray(dims) && dims.length === 0)) {
    if (s.length !== 1) throw new RangeError(`roll: expected one shift without dims, got ${s.length}`);
    return tidy(() => reshape(roll(reshape(x, [-1]), s, 0), x.shape));
  }
  const d = typeof dims === 'number' ? [dims] : [...dims];
  if (d.length !== s.length) {
    throw new RangeError(`roll: shifts and dims must align, got ${s.length} shifts and ${d.length} dims`);
  }
  return tidy(() => {
    let out = x;
    d.forEach((dim, i) => {
      const k = normDim(dim, x.ndim, 'roll');
      const n = x.shape[k];
      if (n === 0) return;
      const by = (((s[i] ?? 0) % n) + n) % n;
      if (by !== 0) out = cat([narrow(out, k, n - by, by), narrow(out, k, 0, n - by)], k);
    });
    return out === x ? clone(x) : out;
  });
}

/**
 * torch.Tensor.repeat: tile the tensor `sizes[i]` times along dim i (`sizes` may be longer
 * than the rank: leading dims are added).
 */
export function repeat(x: Tensor, sizes: readonly number[]): Tensor {
  x._check('repeat');
  intList('repeat', 'sizes', sizes);
  if (sizes.length < x.ndim) {
    throw new RangeError(
      `repeat: number of repeat dims (${sizes.length}) can not be smaller than number of dimensions of tensor (${x.ndim})`,
    );
  }
  if (sizes.some((r) => r < 0))
    throw new RangeError(`repeat: repeats must be non-negative, got ${fmtShape(sizes)}`);
  const lead = sizes.length - x.ndim;
  const src = [...new Array<number>(lead).fill(1), ...x.shape];
  return tidy(() => {
    // [1, s0, 1, s1, ...] expanded to [r0, s0, r1, s1, ...], then merged pairwise.
    const interleaved = reshape(
      x,
      src.flatMap((n) => [1, n]),
    );
    const wide = expand(
      interleaved,
      src.flatMap((n, i) => [sizes[i] ?? 1, n]),
    );
    return reshape(
      wide,
      src.map((n, i) => n * (sizes[i] ?? 1)),
    );
  });
}

/** torch.tile: `repeat` with `reps` padded with leading ones to the tensor's rank. */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  const padded = [...new Array<number>(Math.max(0, x.ndim - reps.length)).fill(1), ...reps];
  return repeat(x, padded);
}

/**
 * torch.repeat_interleave: repeat each element (along `dim`, or of the flattened tensor)
 * `repeats` times, or `repeats[i]` times for element i. Repeats are host numbers: the
 * output's size depends on them, and core never reads a device tensor back synchronously.
 */
export function repeatInterleave(x: Tensor, repeats: number | readonly number[], dim?: number): Tensor {
  x._check('repeatInterleave');
  if (dim === undefined) return tidy(() => repeatInterleave(reshape(x, [-1]), repeats, 0));
  const d = normDim(dim, x.ndim, 'repeatInterleave');
  const n = x.shape[d];
  const reps = typeof repeats === 'number' ? new Array<number>(n).fill(repeats) : [...repeats];
  intList('repeatInterleave', 'repeats', reps);
  if (reps.length !== n) {
    throw new RangeError(
      `repeatInterleave: repeats must have the same size as input along dim ${d}: ${reps.length} vs ${n}`,
    );
  }
  if (reps.some((r) => r < 0)) throw new RangeError('repeatInterleave: repeats can not be negative');
  const idx = new Int32Array(reps.reduce((a, b) => a + b, 0));
  let at = 0;
  reps.forEach((r, i) => {
    idx.fill(i, at, at + r);
    at += r;
  });
  return tidy(() => indexSelectUnchecked(x, d, fromTypedArray(idx, [idx.length], x.backend)));
}

/** Keep the elements with (col - row) on the kept side of `diagonal`; zero the rest. */
function triangle(name: string, x: Tensor, diagonal: number, lower: boolean): Tensor {
  x._check(name);
  if (x.ndim < 2)
    throw new RangeError(`${name}: input tensor must have at least 2 dimensions, got ${x.ndim}`);
  if (!Number.isInteger(diagonal))
    throw new TypeError(`${name}: diagonal must be an integer, got ${diagonal}`);
  const R = x.shape[x.ndim - 2];
  const C = x.shape[x.ndim - 1];
  const keep = new Uint8Array(R * C);
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) keep[r * C + c] = (lower ? c - r <= diagonal : c - r >= diagonal) ? 1 : 0;
  }
  return tidy(() => where(fromTypedArray(keep, [R, C], x.backend), x, x.dtype === 'bool' ? false : 0));
}

/** torch.tril: the lower triangle (col - row <= diagonal) of the last two dims; the rest 0. */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle('tril', x, diagonal, true);
}

/** torch.triu: the upper triangle (col - row >= diagonal) of the last two dims; the rest 0. */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle('triu', x, diagonal, false);
}

/** Options of {@link diagonal}. */
export interface DiagonalOptions {
  /** Which diagonal: 0 the main one, > 0 above it, < 0 below it (default 0). */
  offset?: number;
  /** First dim of the 2-D planes (default 0). */
  dim1?: number;
  /** Second dim of the 2-D planes (default 1). */
  dim2?: number;
}

/** Shape, strides and offset of the diagonal view of `x`. */
function diagonalLayout(
  x: { shape: readonly number[]; strides: readonly number[]; offset: number; ndim: number },
  o: Required<DiagonalOptions>,
) {
  const a = normDim(o.dim1, x.ndim, 'diagonal');
  const b = normDim(o.dim2, x.ndim, 'diagonal');
  if (a === b) throw new RangeError(`diagonal: diagonal dimensions cannot be identical ${o.dim1}, ${o.dim2}`);
  const len = Math.max(0, Math.min(x.shape[a] - Math.max(-o.offset, 0), x.shape[b] - Math.max(o.offset, 0)));
  const rest = x.shape.map((_, i) => i).filter((i) => i !== a && i !== b);
  const start = len === 0 ? 0 : o.offset >= 0 ? o.offset * x.strides[b] : -o.offset * x.strides[a];
  return {
    shape: [...rest.map((i) => x.shape[i]), len],
    strides: [...rest.map((i) => x.strides[i]), x.strides[a] + x.strides[b]],
    offset: x.offset + start,
  };
}

/**
 * torch.diagonal: a view of the diagonal of the (dim1, dim2) planes, as a new last dim.
 * Writes through the view reach `x`, as in PyTorch.
 */
export function diagonal(x: Tensor, opts: DiagonalOptions = {}): Tensor {
  x._check('diagonal');
  const o = { offset: opts.offset ?? 0, dim1: opts.dim1 ?? 0, dim2: opts.dim2 ?? 1 };
  if (x.ndim < 2)
    throw new RangeError(`diagonal: expected a tensor with at least 2 dimensions, got ${x.ndim}`);
  const layout = diagonalLayout(x, o);
  const out = makeView(x, layout.shape, layout.strides, layout.offset);
  const source = x.shape;
  return attach(out, 'diagonal', [x], [], (g) => [
    embedWindow(g, source, (z) => diagonalLayout(z, o), 'diagonal'),
  ]);
}

/**
 * torch.diag: for a 1-D input, the square matrix with it on diagonal `diagonal`; for a 2-D
 * input, a copy of that diagonal as a 1-D tensor.
 */
export function diag(x: Tensor, diagonal_ = 0): Tensor {
  x._check('diag');
  if (x.ndim === 2) return tidy(() => clone(diagonal(x, { offset: diagonal_ })));
  if (x.ndim !== 1) throw new RangeError(`diag: expected a 1-D or 2-D input, got ${x.ndim}-D`);
  const n = x.shape[0] + Math.abs(diagonal_);
  const z = empty([n, n], x.dtype, x.backend);
  x.backend.fill(z._view(), 0);
  const d = diagonalLayout(z, { offset: diagonal_, dim1: 0, dim2: 1 });
  if (x.size > 0)
    x.backend.copy(x._view('diag'), { ...z._view(), shape: d.shape, strides: d.strides, offset: d.offset });
  return attach(z, 'diag', [x], [], (g) => [clone(diagonal(g, { offset: diagonal_ }))]);
}

/** torch.trace: the sum of a 2-D tensor's main diagonal. */
export function trace(x: Tensor): Tensor {
  x._check('trace');
  if (x.ndim !== 2) throw new RangeError(`trace: expected a matrix, got a ${x.ndim}-D tensor`);
  return tidy(() => sum(diagonal(x)));
}

/**
 * torch.meshgrid: coordinate grids from 1-D tensors. `indexing: 'ij'` (PyTorch 1.13's
 * default) gives shape [n0, n1, ...]; `'xy'` swaps the first two dims (NumPy style).
 */
export function meshgrid(tensors: readonly Tensor[], opts: { indexing?: 'ij' | 'xy' } = {}): Tensor[] {
  const indexing = opts.indexing ?? 'ij';
  if (indexing !== 'ij' && indexing !== 'xy') {
    throw new RangeError(`meshgrid: indexing must be 'ij' or 'xy', got '${String(indexing)}'`);
  }
  tensors.forEach((t, i) => {
    t._check('meshgrid');
    if (t.ndim > 1)
      throw new RangeError(`meshgrid: expected 0-D or 1-D tensors, tensor ${i} has ${t.ndim} dims`);
  });
  const sizes = tensors.map((t) => t.size);
  const swap = indexing === 'xy' && tensors.length >= 2;
  const shape = [...sizes];
  if (swap) [shape[0], shape[1]] = [sizes[1] ?? 0, sizes[0] ?? 0];
  return tensors.map((t, i) => {
    const at = swap && i < 2 ? 1 - i : i;
    const one = shape.map((n, k) => (k === at ? n : 1));
    return tidy(() => expand(reshape(t, one), shape));
  });
}

/** torch.movedim: move dims `source` to positions `destination`, keeping the others in order. */
export function movedim(
  x: Tensor,
  source: number | readonly number[],
  destination: number | readonly number[],
): Tensor {
  x._check('movedim');
  // Paired in the order given (normDims would sort them).
  const src = (typeof source === 'number' ? [source] : source).map((d) => normDim(d, x.ndim, 'movedim'));
  const dst = (typeof destination === 'number' ? [destination] : destination).map((d) =>
    normDim(d, x.ndim, 'movedim'),
  );
  if (new Set(src).size !== src.length) throw new RangeError('movedim: repeated dim in `source`');
  if (new Set(dst).size !== dst.length) throw new RangeError('movedim: repeated dim in `destination`');
  if (src.length !== dst.length) {
    throw new RangeError(
      `movedim: Invalid source or destination dims: source (${fmtShape(src)} dims) should contain the same number of dims as destination (${fmtShape(dst)} dims)`,
    );
  }
  const order = new Array<number>(x.ndim).fill(-1);
  src.forEach((s, i) => {
    order[dst[i] ?? 0] = s;
  });
  const rest = x.shape.map((_, i) => i).filter((i) => !src.includes(i));
  let r = 0;
  for (let i = 0; i < order.length; i++) if (order[i] === -1) order[i] = rest[r++] ?? 0;
  return permute(x, order);
}

/** torch.swapaxes (and swapdims): transpose two dims. */
export function swapaxes(x: Tensor, axis0: number, axis1: number): Tensor {
  return transpose(x, axis0, axis1);
}

/** torch.unbind: the slices along `dim`, each without that dim (views). */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  x._check('unbind');
  const d = normDim(dim, x.ndim, 'unbind');
  return Array.from({ length: x.shape[d] }, (_, i) => select(x, d, i));
}

/**
 * torch.tensor_split: `sections` near-equal parts (the first `n % sections` one longer), or
 * parts split at the given indices (clamped to the dim, as Python slicing). Views.
 */
export function tensorSplit(x: Tensor, indicesOrSections: number | readonly number[], dim = 0): Tensor[] {
  x._check('tensorSplit');
  const d = normDim(dim, x.ndim, 'tensorSplit');
  const n = x.shape[d];
  let bounds: number[];
  if (typeof indicesOrSections === 'number') {
    const s = indicesOrSections;
    if (!Number.isInteger(s) || s <= 0) {
      throw new RangeError(`tensorSplit: number of sections must be larger than 0, got ${s}`);
    }
    const base = Math.floor(n / s);
    const extra = n % s;
    bounds = [0];
    for (let i = 0; i < s; i++) bounds.push((bounds[i] ?? 0) + base + (i < extra ? 1 : 0));
  } else {
    intList('tensorSplit', 'indices', indicesOrSections);
    const clampIdx = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
    bounds = [0, ...indicesOrSections.map(clampIdx), n];
  }
  const parts: Tensor[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const start = bounds[i] ?? 0;
    const end = Math.max(bounds[i + 1] ?? 0, start);
    parts.push(narrow(x, d, start, end - start));
  }
  return parts;
}
