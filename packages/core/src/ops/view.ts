/**
 * Views share storage with their source (as in PyTorch): reshape when the layout allows,
 * view, transpose, permute, expand, squeeze, unsqueeze, narrow, select, slice.
 * Plus the copies that materialise a layout: contiguous, clone, cast, toBackend.
 */

import { attach } from '../autograd/node.js';
import type { Backend, DType } from '../backend/contract.js';
import { isFloat } from '../tensor/dtype.js';
import { tidy } from '../tensor/scope.js';
import { fmtShape, inferShape, isContiguous, normDim, viewStrides } from '../tensor/shape.js';
import { makeView, type Tensor } from '../tensor/tensor.js';
import { empty } from './kernel.js';
import { sumTo } from './reduce.js';

/** A strided view of `x` recorded for autograd with the given backward. */
function viewOp(
  x: Tensor,
  name: string,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  backward: (g: Tensor) => Tensor,
): Tensor {
  x._check(name);
  const out = makeView(x, shape, strides, offset);
  return attach(out, name, [x], [], (g) => [backward(g)]);
}

/** A contiguous copy of x's values (no autograd; used internally). */
export function contiguousCopy(x: Tensor): Tensor {
  const out = empty(x.shape, x.dtype, x.backend);
  if (out.size > 0) x.backend.copy(x._view('contiguous'), out._view());
  return out;
}

/**
 * A view of `x` with a new shape (one entry may be -1); throws when the strides do not allow it (use {@link
 * reshape}).
 */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  x._check('view');
  const target = inferShape(shape, x.size, 'view');
  const strides = viewStrides(x.shape, x.strides, target);
  if (!strides) {
    throw new Error(
      `view: view size is not compatible with input tensor's size and stride (shape ${fmtShape(x.shape)} to ${fmtShape(target)}); use reshape() instead`,
    );
  }
  const source = x.shape;
  return viewOp(x, 'view', target, strides, x.offset, (g) => reshape(g, source));
}

/** A view when the layout allows it, otherwise a contiguous copy (torch.reshape). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  x._check('reshape');
  const target = inferShape(shape, x.size, 'reshape');
  if (viewStrides(x.shape, x.strides, target)) return view(x, target);
  return tidy(() => view(contiguous(x), target));
}

/** Merge dims `startDim..endDim` (default all) into one; a view when possible. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normDim(startDim, x.ndim, 'flatten');
  const e = normDim(endDim, x.ndim, 'flatten');
  if (s > e) throw new RangeError('flatten: startDim cannot come after endDim');
  const mid = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return reshape(x, [...x.shape.slice(0, s), mid, ...x.shape.slice(e + 1)]);
}

/** Split dim `dim` into `sizes` (one may be -1); the inverse of {@link flatten}. */
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normDim(dim, x.ndim, 'unflatten');
  const resolved = inferShape(sizes, x.shape[d], 'unflatten');
  return reshape(x, [...x.shape.slice(0, d), ...resolved, ...x.shape.slice(d + 1)]);
}

/** Remove size-1 dims: all of them, or only the listed `dim`s that have size 1. */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  x._check('squeeze');
  const dims =
    dim === undefined
      ? x.shape.map((_, i) => i)
      : (typeof dim === 'number' ? [dim] : dim).map((d) => normDim(d, x.ndim, 'squeeze'));
  const keep = x.shape.map((s, i) => !(dims.includes(i) && s === 1));
  const source = x.shape;
  return viewOp(
    x,
    'squeeze',
    x.shape.filter((_, i) => keep[i]),
    x.strides.filter((_, i) => keep[i]),
    x.offset,
    (g) => reshape(g, source),
  );
}

/** Insert a size-1 dim at `dim` (negative counts from the end of the result); a view. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  x._check('unsqueeze');
  const d = normDim(dim, x.ndim + 1, 'unsqueeze');
  const shape = [...x.shape];
  const strides = [...x.strides];
  const inner = d < x.ndim ? x.strides[d] * x.shape[d] : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, inner);
  const source = x.shape;
  return viewOp(x, 'unsqueeze', shape, strides, x.offset, (g) => reshape(g, source));
}

/**
 * A broadcast view of `x` as `shape` (size-1 dims repeat without copying; -1 keeps a dim). Throws when a
 * non-1 dim differs.
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  x._check('expand');
  if (shape.length < x.ndim) {
    throw new RangeError(
      `expand: the number of sizes provided (${shape.length}) must be greater or equal to the number of dimensions in the tensor (${x.ndim})`,
    );
  }
  const lead = shape.length - x.ndim;
  const target: number[] = [];
  const strides: number[] = [];
  shape.forEach((s, i) => {
    const src = i >= lead ? x.shape[i - lead] : 1;
    const size = s === -1 ? src : s;
    if (i < lead && s === -1)
      throw new RangeError('expand: -1 is not allowed in a leading, non-existing dimension');
    if (src !== size && src !== 1) {
      throw new RangeError(
        `expand: the expanded size of the tensor (${size}) must match the existing size (${src}) at non-singleton dimension ${i}. Target sizes: ${fmtShape(shape)}. Tensor sizes: ${fmtShape(x.shape)}`,
      );
    }
    target.push(size);
    strides.push(i < lead || src !== size ? 0 : x.strides[i - lead]);
  });
  if (target.every((s, i) => i >= lead && s === x.shape[i - lead]) && lead === 0) return identityView(x);
  const source = x.shape;
  return viewOp(x, 'expand', target, strides, x.offset, (g) => sumTo(g, source));
}

/** A new handle on the same view, connected to x in the graph (ops always return a new handle). */
export function identityView(x: Tensor): Tensor {
  return viewOp(x, 'alias', x.shape, x.strides, x.offset, (g) => g);
}

/** A view with dims reordered: result dim `i` is `x`'s dim `dims[i]`. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  x._check('permute');
  if (dims.length !== x.ndim) {
    throw new RangeError(
      `permute: number of dims don't match in permute (input has ${x.ndim} dims, got ${dims.length})`,
    );
  }
  const norm = dims.map((d) => normDim(d, x.ndim, 'permute'));
  if (new Set(norm).size !== norm.length) throw new RangeError('permute: repeated dim in permute');
  const inverse = new Array<number>(norm.length);
  norm.forEach((d, i) => {
    inverse[d] = i;
  });
  return viewOp(
    x,
    'permute',
    norm.map((d) => x.shape[d]),
    norm.map((d) => x.strides[d]),
    x.offset,
    (g) => permute(g, inverse),
  );
}

/** A view with dims `dim0` and `dim1` swapped. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  if (x.ndim === 0) return identityView(x);
  const a = normDim(dim0, x.ndim, 'transpose');
  const b = normDim(dim1, x.ndim, 'transpose');
  const dims = x.shape.map((_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permute(x, dims);
}

/** Transpose of a tensor of at most 2 dims (a view). */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new RangeError(`t: expects a tensor with <= 2 dimensions, but self is ${x.ndim}D`);
  return x.ndim < 2 ? identityView(x) : transpose(x, 0, 1);
}

/** Every `step`-th element of dim in [start, end) (Python slice semantics, clamped). */
export function slice(x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
  x._check('slice');
  const d = normDim(dim, x.ndim, 'slice');
  if (!Number.isInteger(step) || step <= 0) throw new RangeError('slice: step must be a positive integer');
  const n = x.shape[d];
  const clampIdx = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  const s = clampIdx(start ?? 0);
  const e = Math.max(clampIdx(end ?? n), s);
  const len = Math.ceil((e - s) / step);
  const shape = [...x.shape];
  const strides = [...x.strides];
  shape[d] = len;
  strides[d] = x.strides[d] * step;
  const source = x.shape;
  const at: Window = (c) => ({
    shape,
    strides: c.strides.map((st, i) => (i === d ? st * step : st)),
    offset: c.offset + s * c.strides[d],
  });
  return viewOp(x, 'slice', shape, strides, x.offset + s * x.strides[d], (g) =>
    embedWindow(g, source, at, 'slice'),
  );
}

/** Where a strided window sits in a contiguous tensor `t` (a slice, a diagonal...). */
export type Window = (t: Tensor) => { shape: readonly number[]; strides: readonly number[]; offset: number };

/**
 * Zeros of `shape` with `g` written into the window `at` selects: the gradient of taking that
 * window as a view. Recorded itself (its gradient takes the window again), so a view's
 * gradient stays differentiable to any order.
 */
export function embedWindow(g: Tensor, shape: readonly number[], at: Window, name: string): Tensor {
  const z = empty(shape, g.dtype, g.backend);
  g.backend.fill(z._view(), 0);
  if (g.size > 0) {
    const w = at(z);
    g.backend.copy(g._view(), { ...z._view(), shape: w.shape, strides: w.strides, offset: w.offset });
  }
  return attach(z, `${name}Backward`, [g], [], (gg) => [takeWindow(gg, at, name)]);
}

/** The window `at` selects of `x` (made contiguous first), as a recorded view. */
function takeWindow(x: Tensor, at: Window, name: string): Tensor {
  return tidy(() => {
    const c = contiguous(x);
    const w = at(c);
    const source = x.shape;
    return attach(makeView(c, w.shape, w.strides, w.offset), name, [c], [], (g) => [
      embedWindow(g, source, at, name),
    ]);
  });
}

/** A view of `length` elements of `dim` from `start`. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normDim(dim, x.ndim, 'narrow');
  const n = x.shape[d];
  const s = start < 0 ? start + n : start;
  if (s < 0 || length < 0 || s + length > n) {
    throw new RangeError(`narrow: start (${start}) + length (${length}) exceeds dimension size (${n})`);
  }
  return slice(x, d, s, s + length);
}

/** A view at `index` of `dim`, with that dim removed; negative indices count from the end. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normDim(dim, x.ndim, 'select');
  const n = x.shape[d];
  if (index < -n || index >= n) {
    throw new RangeError(
      `select: index ${index} out of range for tensor of size ${fmtShape(x.shape)} at dimension ${d}`,
    );
  }
  return tidy(() => squeeze(narrow(x, d, index < 0 ? index + n : index, 1), d));
}

/** `x` if it is contiguous, else a contiguous copy. */
export function contiguous(x: Tensor): Tensor {
  x._check('contiguous');
  if (isContiguous(x.shape, x.strides)) return identityView(x);
  return attach(contiguousCopy(x), 'contiguous', [x], [], (g) => [g]);
}

/** A copy with its own storage, recorded by autograd. */
export function clone(x: Tensor): Tensor {
  x._check('clone');
  return attach(contiguousCopy(x), 'clone', [x], [], (g) => [g]);
}

/** A new handle on the same memory, cut from the graph. */
export function detach(x: Tensor): Tensor {
  x._check('detach');
  return makeView(x, x.shape, x.strides, x.offset);
}

/** A copy converted to `dtype` (`x` itself when it already has it); gradients flow between float dtypes. */
export function cast(x: Tensor, dtype: DType): Tensor {
  x._check('cast');
  if (x.dtype === dtype) return x;
  const out = empty(x.shape, dtype, x.backend, 'cast');
  if (out.size > 0) x.backend.copy(x._view(), out._view());
  if (!isFloat(dtype)) return out;
  // The gradient goes back in the input's dtype (float16 -> float32 -> float16 round trips).
  const from = x.dtype;
  return attach(out, 'cast', [x], [], (g) => [cast(g, from)]);
}

/** Copy to another backend through host memory. Synchronous backends only on the source side. */
export function toBackend(x: Tensor, backend: Backend): Tensor {
  x._check('to');
  if (x.backend === backend) return x;
  if (!x.backend.readSync) {
    throw new Error(
      `to: moving a tensor off the ${x.backend.name} backend needs an asynchronous read; use await toBackendAsync(t, backend)`,
    );
  }
  const data = x.dataSync();
  const out = empty(x.shape, x.dtype, backend);
  if (out.size > 0) backend.write(out._storage.buffer, x.dtype, data);
  const source = x.backend;
  return attach(out, 'to', [x], [], (g) => [toBackend(g, source)]);
}

/** Move a tensor to another backend from any backend (awaits the readback). */
export async function toBackendAsync(x: Tensor, backend: Backend): Promise<Tensor> {
  if (x.backend === backend) return x;
  const data = await x.data();
  const out = empty(x.shape, x.dtype, backend);
  if (out.size > 0) backend.write(out._storage.buffer, x.dtype, data);
  out.requiresGrad_(x.requiresGrad && x.isLeaf);
  return out;
}
