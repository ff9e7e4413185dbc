import { isGradEnabled } from '../autograd/grad-mode.js';
import { attach } from '../autograd/node.js';
import { kernels } from '../backend/compute.js';
import { deferRangeCheck } from '../tensor/deferred-checks.js';
import { promoteTypes } from '../tensor/dtype.js';
import { tidy } from '../tensor/scope.js';
import { fmtShape, normDim } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { fromTypedArray } from './creation.js';
import { backendOf, empty } from './kernel.js';
import { clone, contiguous, contiguousCopy, expand, narrow, reshape, unsqueeze } from './view.js';

/**
 * Indices out of range are a clear error where the backend can read synchronously; on an
 * asynchronous device the range is checked on the device and reported at the next readback.
 * `outOfRange(v)` words the error (v is undefined on asynchronous devices: the value is not
 * known). Call it once per user-supplied index, never on expanded or already-checked ones.
 */
export function checkIndices(
  index: Tensor,
  size: number,
  op: string,
  outOfRange: (v: number) => string = (v) =>
    `${op}: index ${v} is out of bounds for dimension with size ${size}`,
  ignore: number | null = null,
): void {
  if (index.dtype !== 'int32') {
    throw new TypeError(`${op}: expected an int32 index tensor, got ${index.dtype}`);
  }
  if (index.size === 0) return;
  if (!index.backend.readSync) {
    // An asynchronous device reports at the next readback, with the same message.
    deferRangeCheck(index, size, op, outOfRange, ignore);
    return;
  }
  const values = index.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== ignore && (v < 0 || v >= size)) throw new RangeError(outOfRange(v));
  }
}

/**
 * Values of `x` along `dim` at the int32 positions of `index` (torch.gather); the result has `index`'s
 * shape. Throws on an out-of-range index where the backend reads synchronously.
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  backendOf('gather', x, index);
  const d = normDim(dim, x.ndim, 'gather');
  if (index.ndim !== x.ndim) {
    throw new RangeError(
      `gather: index tensor must have the same number of dimensions as input tensor (${index.ndim} vs ${x.ndim})`,
    );
  }
  for (let i = 0; i < x.ndim; i++) {
    if (i !== d && index.shape[i] > x.shape[i]) {
      throw new RangeError(
        `gather: size does not match at dimension ${i}: index ${fmtShape(index.shape)} vs input ${fmtShape(x.shape)} apart from dimension ${d}`,
      );
    }
  }
  checkIndices(index, x.shape[d], 'gather');
  return gatherUnchecked(x, d, index);
}

/** gather along normalised `dim` with an index already validated by the caller. */
export function gatherUnchecked(x: Tensor, dim: number, index: Tensor): Tensor {
  const out = empty(index.shape, x.dtype, x.backend);
  if (out.size > 0) kernels(x.backend).gather(x._view('gather'), index._view(), dim, out._view());
  const shape = x.shape;
  // With createGraph (grad mode on in backward) the recorded scatterAdd, whose own gradient
  // is a gather again; otherwise the raw kernel straight into the zeros.
  return attach(out, 'gather', [x], [index], (g, [si]) => [
    isGradEnabled()
      ? scatterAddUnchecked(zerosOf(shape, g), dim, si, g)
      : scatterAddInto(zerosOf(shape, g), dim, si, g),
  ]);
}

function zerosOf(shape: readonly number[], like: Tensor): Tensor {
  const z = empty(shape, like.dtype, like.backend);
  like.backend.fill(z._view(), 0);
  return z;
}

/** In-place scatter-add into a fresh contiguous tensor (no autograd). */
function scatterAddInto(out: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  if (index.size > 0) kernels(out.backend).scatterAdd(out._view(), index._view(), src._view(), dim);
  return out;
}

/** Out-of-place torch.scatter_add: x with src added at the positions index names along dim. */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  backendOf('scatterAdd', x, index, src);
  const d = normDim(dim, x.ndim, 'scatterAdd');
  if (index.ndim !== x.ndim || src.ndim !== x.ndim) {
    throw new RangeError('scatterAdd: index, src and input must have the same number of dimensions');
  }
  for (let i = 0; i < x.ndim; i++) {
    if (index.shape[i] > src.shape[i] || (i !== d && index.shape[i] > x.shape[i])) {
      throw new RangeError(
        `scatterAdd: expected index ${fmtShape(index.shape)} to be smaller than self ${fmtShape(x.shape)} apart from dimension ${d} and to be smaller than src ${fmtShape(src.shape)}`,
      );
    }
  }
  if (src.dtype !== x.dtype) {
    throw new TypeError(
      `scatterAdd: expected self and src to have the same dtype, got ${x.dtype} and ${src.dtype}`,
    );
  }
  checkIndices(index, x.shape[d], 'scatterAdd');
  return scatterAddUnchecked(x, d, index, src);
}

/** scatterAdd along normalised `dim` with an index already validated by the caller. */
export function scatterAddUnchecked(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  return tidy(() => {
    // src may be bigger than index: only its leading index-shaped block is used.
    const srcUsed = index.shape.reduce<Tensor>((s, n, i) => (s.shape[i] === n ? s : narrow(s, i, 0, n)), src);
    const out = scatterAddInto(contiguousCopy(x), dim, index, contiguous(srcUsed));
    return attach(out, 'scatterAdd', [x, srcUsed], [index], (g, [si]) => [g, gatherUnchecked(g, dim, si)]);
  });
}

/** The entries of `x` along `dim` at the positions of a 1-d int32 `index`, in that order. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim(dim, x.ndim, 'indexSelect');
  if (index.ndim > 1) throw new RangeError(`indexSelect: index must be 1-D, got ${index.ndim}-D`);
  backendOf('indexSelect', x, index);
  checkIndices(index, x.ndim === 0 ? 1 : x.shape[d], 'indexSelect');
  return indexSelectUnchecked(x, d, index);
}

/** indexSelect along normalised `dim` with an index already validated by the caller. */
export function indexSelectUnchecked(x: Tensor, dim: number, index: Tensor): Tensor {
  return tidy(() => {
    const idx1 = reshape(index, [index.size]);
    const shape = [...x.shape];
    shape[dim] = idx1.size;
    const ones = x.shape.map(() => 1);
    ones[dim] = idx1.size;
    // A stride-0 expansion of the 1-D index: gather reads it without materialising it.
    const expanded = expand(reshape(idx1, ones), shape);
    return gatherUnchecked(x.ndim === 0 ? reshape(x, [1]) : x, dim, expanded);
  });
}

/** Concatenate tensors along `dim` (other dims must match); gradients split back to each input. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError('cat: expected a non-empty list of tensors');
  const backend = backendOf('cat', ...tensors);
  // Legacy PyTorch rule: 1-D empty tensors are skipped.
  const parts = tensors.filter((t) => !(t.ndim === 1 && t.size === 0));
  if (parts.length === 0) return contiguousCopy(tensors[0]);
  const ref = parts[0];
  if (ref.ndim === 0) throw new RangeError('cat: zero-dimensional tensor cannot be concatenated');
  const d = normDim(dim, ref.ndim, 'cat');
  let dtype = ref.dtype;
  for (const t of parts) {
    if (t.ndim !== ref.ndim || t.shape.some((s, i) => i !== d && s !== ref.shape[i])) {
      throw new RangeError(
        `cat: sizes of tensors must match except in dimension ${d}: got ${fmtShape(ref.shape)} and ${fmtShape(t.shape)}`,
      );
    }
    dtype = promoteTypes(dtype, t.dtype);
  }
  const shape = [...ref.shape];
  shape[d] = parts.reduce((s, t) => s + t.shape[d], 0);
  const out = empty(shape, dtype, backend);
  const sizes: number[] = [];
  let offset = 0;
  for (const t of parts) {
    const n = t.shape[d];
    sizes.push(n);
    if (t.size > 0) {
      const v = out._view();
      backend.copy(t._view('cat'), {
        ...v,
        shape: t.shape,
        offset: offset * out.strides[d],
      });
    }
    offset += n;
  }
  return attach(out, 'cat', parts, [], (g) => {
    let start = 0;
    return sizes.map((n) => {
      const piece = contiguous(narrow(g, d, start, n));
      start += n;
      return piece;
    });
  });
}

/** Stack same-shape tensors along a new dim `dim`. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError('stack: expected a non-empty list of tensors');
  const ref = tensors[0];
  for (const t of tensors) {
    if (t.ndim !== ref.ndim || t.shape.some((s, i) => s !== ref.shape[i])) {
      throw new RangeError(
        `stack: expects each tensor to be equal size, but got ${fmtShape(ref.shape)} and ${fmtShape(t.shape)}`,
      );
    }
  }
  const d = normDim(dim, ref.ndim + 1, 'stack');
  return tidy(() =>
    cat(
      tensors.map((t) => unsqueeze(t, d)),
      d,
    ),
  );
}

/**
 * Split along `dim` into pieces of `splitSizeOrSections` elements (the last may be smaller), or of the
 * listed sizes (which must sum to the dim); views.
 */
export function split(x: Tensor, splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  const d = normDim(dim, x.ndim, 'split');
  const n = x.shape[d];
  let sizes: number[];
  if (typeof splitSizeOrSections === 'number') {
    const s = splitSizeOrSections;
    if (!Number.isInteger(s) || s <= 0) throw new RangeError('split: split size must be a positive integer');
    sizes = [];
    for (let i = 0; i < n; i += s) sizes.push(Math.min(s, n - i));
    if (sizes.length === 0) sizes.push(0);
  } else {
    sizes = [...splitSizeOrSections];
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n) {
      throw new RangeError(`split: split sizes ${fmtShape(sizes)} must sum to the dimension size ${n}`);
    }
  }
  let start = 0;
  return sizes.map((len) => {
    const piece = narrow(x, d, start, len);
    start += len;
    return piece;
  });
}

/** Split along `dim` into `chunks` nearly equal pieces (views), as torch.chunk. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0)
    throw new RangeError('chunk: chunks must be a positive integer');
  const d = normDim(dim, x.ndim, 'chunk');
  const size = Math.ceil(x.shape[d] / chunks);
  return split(x, Math.max(size, 1), d);
}

/**
 * How {@link pad} fills: a constant, the mirror image without the edge, the edge repeated, or the other end
 * (wrap-around).
 */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/**
 * torch.nn.functional.pad: `pad` lists (left, right) pairs starting from the last dim.
 * Constant padding writes x into a filled tensor (negative pads crop); the other modes
 * gather rows by computed indices, so their gradients come from indexSelect's.
 */
export function pad(
  x: Tensor,
  pads: readonly number[],
  opts: { mode?: PadMode; value?: number } = {},
): Tensor {
  const mode = opts.mode ?? 'constant';
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim) {
    throw new RangeError(
      `pad: padding length must be even and at most 2 * ndim (${2 * x.ndim}), got ${pads.length}`,
    );
  }
  const npairs = pads.length / 2;
  return tidy(() => {
    if (mode === 'constant') return constantPad(x, pads, opts.value ?? 0);
    let out = x;
    for (let p = 0; p < npairs; p++) {
      const d = x.ndim - 1 - p;
      const [l, r] = [pads[2 * p], pads[2 * p + 1]];
      if (l === 0 && r === 0) continue;
      const n = x.shape[d];
      if (mode === 'reflect' && (l >= n || r >= n)) {
        throw new RangeError(
          `pad: padding size should be less than the corresponding input dimension, but got padding (${l}, ${r}) at dimension ${d} of input ${fmtShape(x.shape)}`,
        );
      }
      // Circular: negative sizes crop first, then the cropped dim wraps (PyTorch's order).
      const lc = Math.max(-l, 0);
      const m = mode === 'circular' ? n - lc - Math.max(-r, 0) : n;
      if (mode === 'circular' && (l > m || r > m)) {
        throw new RangeError(
          `pad: padding value causes wrapping around more than once (padding (${l}, ${r}) at dimension ${d} of size ${m})`,
        );
      }
      const idx = new Int32Array(n + l + r);
      for (let i = 0; i < idx.length; i++) {
        const j = i - l;
        if (mode === 'reflect') idx[i] = j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j;
        else if (mode === 'replicate') idx[i] = Math.min(Math.max(j, 0), n - 1);
        else idx[i] = lc + ((((i - Math.max(l, 0)) % m) + m) % m);
      }
      // Indices computed here are in range by construction: no check, no readback.
      out = indexSelectUnchecked(out, d, fromTypedArray(idx, [idx.length], x.backend));
    }
    return out === x ? clone(x) : out;
  });
}

function constantPad(x: Tensor, pads: readonly number[], value: number): Tensor {
  const shape = [...x.shape];
  const srcStart = x.shape.map(() => 0);
  const dstStart = x.shape.map(() => 0);
  const len = [...x.shape];
  for (let p = 0; p < pads.length / 2; p++) {
    const d = x.ndim - 1 - p;
    const [l, r] = [pads[2 * p], pads[2 * p + 1]];
    shape[d] = x.shape[d] + l + r;
    if (shape[d] < 0) throw new RangeError(`pad: resulting padded dimension ${d} would be negative`);
    srcStart[d] = Math.max(-l, 0);
    dstStart[d] = Math.max(l, 0);
    len[d] = Math.max(Math.min(x.shape[d] - srcStart[d], shape[d] - dstStart[d]), 0);
  }
  const out = empty(shape, x.dtype, x.backend);
  x.backend.fill(out._view(), value);
  let src = x;
  for (let d = 0; d < x.ndim; d++) if (len[d] !== x.shape[d]) src = narrow(src, d, srcStart[d], len[d]);
  const offset = dstStart.reduce((o, s, d) => o + s * out.strides[d], 0);
  if (src.size > 0) x.backend.copy(src._view('pad'), { ...out._view(), shape: src.shape, offset });
  const srcShape = src.shape;
  return attach(out, 'pad', [src], [], (g) => {
    let piece = g;
    for (let d = 0; d < g.ndim; d++)
      if (srcShape[d] !== g.shape[d]) piece = narrow(piece, d, dstStart[d], srcShape[d]);
    return [contiguous(piece)];
  });
}
