/**
 * torch.matmul semantics built from views and one primitive: a batched [B,M,K]x[B,K,N]
 * product whose gradient is two more batched products on transposed views.
 */
import { autocastDtype, castLow } from '../amp/autocast.js';
import { attach } from '../autograd/node.js';
import { kernels } from '../backend/compute.js';
import { isFloat } from '../tensor/dtype.js';
import { tidy } from '../tensor/scope.js';
import { broadcastShapes, fmtShape, viewStrides } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { backendOf, empty } from './kernel.js';
import { cast, contiguous, expand, reshape, squeeze, transpose, unsqueeze } from './view.js';

/** [B,M,K] x [B,K,N] -> [B,M,N] on the backend, with gradient. Inputs may be strided. */
function bmm3(a: Tensor, b: Tensor): Tensor {
  const [B, M, K] = a.shape;
  const N = b.shape[2];
  // float32, float16 or bfloat16: half products accumulate in float32 and round once
  // (backend/compute.ts), as PyTorch's CUDA GEMMs do.
  const out = empty([B, M, N], a.dtype, a.backend);
  if (out.size > 0) {
    if (K === 0) a.backend.fill(out._view(), 0);
    else kernels(a.backend).matmul(a._view('matmul'), b._view('matmul'), out._view());
  }
  const needA = a.requiresGrad;
  const needB = b.requiresGrad;
  return attach(out, 'matmul', [a, b], [a, b], (g, [sa, sb]) => [
    needA ? bmm3(g, transpose(sb, 1, 2)) : null,
    needB ? bmm3(transpose(sa, 1, 2), g) : null,
  ]);
}

/** Collapse leading batch dims into one, as a view when possible. */
function toBatched(x: Tensor, batch: readonly number[], rows: number, cols: number): Tensor {
  const B = batch.reduce((p, d) => p * d, 1);
  const target = [B, rows, cols];
  const expanded = expand(x, [...batch, rows, cols]);
  return viewStrides(expanded.shape, expanded.strides, target)
    ? reshape(expanded, target)
    : reshape(contiguous(expanded), target);
}

function shapeText(shape: readonly number[]): string {
  return shape.join('x');
}

/**
 * Matrix product with torch.matmul's rules: 1-d operands are vectors, leading (batch) dims
 * broadcast, e.g. `[B, N, K] @ [K, M] -> [B, N, M]`. Throws when the inner sizes differ.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  backendOf('matmul', a, b);
  // autocast: matmul (and mm, bmm) run in the low-precision dtype; the casts are temporaries.
  const low = autocastDtype();
  const recast = (t: Tensor) => low !== null && isFloat(t.dtype) && t.dtype !== low;
  if (recast(a) || recast(b)) return tidy(() => matmul(castLow(a), castLow(b)));
  if (a.dtype !== b.dtype) {
    throw new TypeError(
      `matmul: expected both tensors to have the same dtype, got ${a.dtype} and ${b.dtype}`,
    );
  }
  if (a.ndim === 0 || b.ndim === 0) {
    throw new RangeError(
      `matmul: both arguments need at least 1 dimension, got ${a.ndim}D and ${b.ndim}D tensors`,
    );
  }
  const K = a.shape[a.ndim - 1];
  const Kb = b.ndim === 1 ? b.shape[0] : b.shape[b.ndim - 2];
  if (K !== Kb) {
    const as = a.ndim === 1 ? [1, K] : a.shape.slice(-2);
    const bs = b.ndim === 1 ? [Kb, 1] : b.shape.slice(-2);
    throw new RangeError(
      `matmul: mat1 and mat2 shapes cannot be multiplied (${shapeText(as)} and ${shapeText(bs)}; full shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)})`,
    );
  }
  return tidy(() => {
    const isInt = !isFloat(a.dtype);
    let x = isInt ? cast(a, 'float32') : a;
    let y = isInt ? cast(b, 'float32') : b;
    const aVec = x.ndim === 1;
    const bVec = y.ndim === 1;
    if (aVec) x = unsqueeze(x, 0);
    if (bVec) y = unsqueeze(y, 1);
    const M = x.shape[x.ndim - 2];
    const N = y.shape[y.ndim - 1];
    const batch = broadcastShapes(x.shape.slice(0, -2), y.shape.slice(0, -2), 'matmul');
    const out3 = bmm3(toBatched(x, batch, M, K), toBatched(y, batch, K, N));
    let out = reshape(out3, [...batch, M, N]);
    if (bVec) out = squeeze(out, -1);
    if (aVec) out = squeeze(out, aVec && bVec ? -1 : -2);
    return isInt ? cast(out, a.dtype) : out;
  });
}

/** Product of two 2-d matrices, `[N, K] @ [K, M] -> [N, M]` (no broadcasting). */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2) {
    throw new RangeError(`mm: expected 2-D tensors, got ${a.ndim}D and ${b.ndim}D`);
  }
  return matmul(a, b);
}

/** Batched product of 3-d tensors, `[B, N, K] @ [B, K, M] -> [B, N, M]` (no broadcasting). */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3 || b.ndim !== 3) {
    throw new RangeError(`bmm: expected 3-D tensors, got ${a.ndim}D and ${b.ndim}D`);
  }
  if (a.shape[0] !== b.shape[0]) {
    throw new RangeError(`bmm: batch sizes differ (${a.shape[0]} and ${b.shape[0]})`);
  }
  return matmul(a, b);
}
