/**
 * The three products of a 2-D convolution as ops: the forward y = conv(x, w), the input
 * gradient dx = conv^T(dy, w) (also the transposed convolution's forward) and the weight
 * gradient dw = dy ⋆ x. Each runs the backend's fused kernel (implicit GEMM, implicit zero
 * padding: no pad, im2col or col2im copy) when it has one, and otherwise the composed
 * im2col/matmul/col2im products, which autograd differentiates itself.
 *
 * The set is closed under differentiation, so the fused path stays differentiable to any
 * order: d(conv)/dx = inputGrad, d(conv)/dw = weightGrad; d(inputGrad)/d(dy) = conv,
 * d(inputGrad)/dw = weightGrad(cotangent, dy); d(weightGrad)/dx = inputGrad(dy, cotangent),
 * d(weightGrad)/d(dy) = conv(x, cotangent).
 */
import { attach } from '../../autograd/node.js';
import type { Conv2dParams } from '../../backend/contract.js';
import { pad } from '../../ops/indexing.js';
import { empty } from '../../ops/kernel.js';
import { matmul } from '../../ops/linalg.js';
import { sum } from '../../ops/reduce.js';
import { contiguous, detach, reshape, transpose } from '../../ops/view.js';
import type { Tensor } from '../../tensor/tensor.js';
import { columns, fromColumns, fromMatrix, toMatrix } from './conv-columns.js';
import { fusedKernel } from './fused.js';

/** A 2-D convolution's geometry, as (height, width) pairs; `padding` is the leading side. */
export interface Conv2dGeometry extends Conv2dParams {
  readonly kernel: readonly [number, number];
}

const params = (g: Conv2dGeometry): Conv2dParams => ({
  stride: g.stride,
  padding: g.padding,
  dilation: g.dilation,
  groups: g.groups,
});

/** Rows/columns the windows of an [oh, ow] output span, from the first padded position. */
function span(g: Conv2dGeometry, out: readonly number[]): [number, number] {
  const s = (i: 0 | 1) => (out[i] - 1) * g.stride[i] + g.dilation[i] * (g.kernel[i] - 1) + 1;
  return [s(0), s(1)];
}

/** x [N, C, H, W] padded (or cropped) to exactly the extent `out` windows read. */
function fitPad(x: Tensor, g: Conv2dGeometry, out: readonly number[]): Tensor {
  const [sh, sw] = span(g, out);
  const [H, W] = x.shape.slice(2);
  const [ph, pw] = g.padding;
  const pads = [pw, sw - W - pw, ph, sh - H - ph];
  return pads.every((p) => p === 0) ? x : pad(x, pads);
}

const flat = (t: Tensor) => contiguous(detach(t))._view('conv2d');

/** y [N, O, OH, OW] = conv(x [N, C, H, W], w [O, C/groups, kh, kw]) + bias. */
export function conv2dForward(
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  g: Conv2dGeometry,
  out: readonly [number, number],
): Tensor {
  const [N] = x.shape;
  const O = w.shape[0];
  const kernel = fusedKernel(x.backend, 'conv2d');
  if (!kernel) {
    const wm = reshape(w, [g.groups, O / g.groups, w.size / O]);
    const cols = columns(fitPad(x, g, out), g.groups, g.kernel, g.stride, g.dilation);
    const y = fromMatrix(matmul(wm, cols), N, out);
    return bias ? y.add(reshape(bias, [O, 1, 1])) : y;
  }
  const y = empty([N, O, ...out], 'float32', x.backend);
  if (y.size > 0) kernel(flat(x), flat(w), bias ? flat(bias) : null, y._view(), params(g));
  const [needX, needW, needB] = [x.requiresGrad, w.requiresGrad, bias?.requiresGrad ?? false];
  const inSize = [x.shape[2], x.shape[3]] as const;
  return attach(y, 'conv2d', [x, w, bias], [x, w], (dy, [sx, sw]) => [
    needX ? conv2dInputGrad(dy, sw, g, inSize) : null,
    needW ? conv2dWeightGrad(sx, dy, g) : null,
    needB ? sum(dy, [0, 2, 3]) : null,
  ]);
}

/** dx [N, C, H, W] = conv^T(dy [N, O, OH, OW], w [O, C/groups, kh, kw]); `size` is (H, W). */
export function conv2dInputGrad(
  dy: Tensor,
  w: Tensor,
  g: Conv2dGeometry,
  size: readonly [number, number],
): Tensor {
  const [N, O, OH, OW] = dy.shape;
  const C = w.shape[1] * g.groups;
  const kernel = fusedKernel(dy.backend, 'conv2dInputGrad');
  if (!kernel) {
    const wt = transpose(reshape(w, [g.groups, O / g.groups, w.size / O]), 1, 2);
    const cols = matmul(wt, toMatrix(dy, g.groups));
    const [sh, sw] = span(g, [OH, OW]);
    const full = fromColumns(cols, N, C, [OH, OW], [sh, sw], g.kernel, g.stride, g.dilation);
    // full[u] belongs to input position u - padding: crop (or zero-fill) to [0, H) x [0, W).
    const [ph, pw] = g.padding;
    const pads = [-pw, size[1] + pw - sw, -ph, size[0] + ph - sh];
    return pads.every((p) => p === 0) ? full : pad(full, pads);
  }
  const dx = empty([N, C, ...size], 'float32', dy.backend);
  if (dx.size > 0) {
    if (dy.size === 0 || w.size === 0) dy.backend.fill(dx._view(), 0);
    else kernel(flat(dy), flat(w), dx._view(), params(g));
  }
  const [needDy, needW] = [dy.requiresGrad, w.requiresGrad];
  return attach(dx, 'conv2dInputGrad', [dy, w], [dy, w], (gx, [sdy, sw]) => [
    needDy ? conv2dForward(gx, sw, null, g, [OH, OW]) : null,
    needW ? conv2dWeightGrad(gx, sdy, g) : null,
  ]);
}

/** dw [O, C/groups, kh, kw] = the weight gradient of conv(x [N, C, H, W]) given dy [N, O, OH, OW]. */
export function conv2dWeightGrad(x: Tensor, dy: Tensor, g: Conv2dGeometry): Tensor {
  const [, C, H, W] = x.shape;
  const [, O, OH, OW] = dy.shape;
  const shape = [O, C / g.groups, ...g.kernel];
  const kernel = fusedKernel(x.backend, 'conv2dWeightGrad');
  if (!kernel) {
    const cols = columns(fitPad(x, g, [OH, OW]), g.groups, g.kernel, g.stride, g.dilation);
    return reshape(matmul(toMatrix(dy, g.groups), transpose(cols, 1, 2)), shape);
  }
  const dw = empty(shape, 'float32', x.backend);
  if (dw.size > 0) {
    if (x.size === 0 || dy.size === 0) x.backend.fill(dw._view(), 0);
    else kernel(flat(x), flat(dy), dw._view(), params(g));
  }
  const [needX, needDy] = [x.requiresGrad, dy.requiresGrad];
  return attach(dw, 'conv2dWeightGrad', [x, dy], [x, dy], (gw, [sx, sdy]) => [
    needX ? conv2dInputGrad(sdy, gw, g, [H, W]) : null,
    needDy ? conv2dForward(sx, gw, null, g, [OH, OW]) : null,
  ]);
}
