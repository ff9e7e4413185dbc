/**
 * Max and average pooling through a backend's fused `pool2d` (1-D pools as 2-D with H = 1).
 * The composed path in pool.ts copies every window out of a strided view before reducing it;
 * the kernel reads the input once. Gradients are composed here. When the windows tile the
 * input without overlap (stride = kernel, no dilation: the usual MaxPool2d(2)), each input
 * position belongs to at most one window, so the gradient is a gather: max pooling selects
 * grad where the saved index equals the position (one eq, one where on stride-0 broadcast
 * views of grad and indices), average pooling broadcasts grad / divisor over each window
 * (one div). Overlapping windows need the general forms: max pooling scatters the gradient to
 * the recorded argmax positions, average pooling is a transposed convolution of grad / divisor
 * with a kernel of ones (each input position collects the windows it is in).
 */
import { attach, needsGrad } from '../../autograd/node.js';
import type { FusedKernels } from '../../backend/contract.js';
import { fromTypedArray, full } from '../../ops/creation.js';
import { where } from '../../ops/elementwise.js';
import { pad, scatterAddUnchecked } from '../../ops/indexing.js';
import { empty } from '../../ops/kernel.js';
import { contiguous, detach, expand, reshape } from '../../ops/view.js';
import type { Tensor } from '../../tensor/tensor.js';
import { convTranspose2d } from './conv.js';

export type Pool2dKernel = NonNullable<FusedKernels['pool2d']>;

/** One pool's 2-D geometry (a 1-D pool has kernel[0] = stride[0] = 1, padding[0] = 0). */
export interface Pool2dGeometry {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  out: [number, number];
}

/** Max pooling of x [N, C, H, W]; returns [values, indices (flat h * W + w) or null]. */
export function fusedMaxPool2d(
  kernel: Pool2dKernel,
  x: Tensor,
  g: Pool2dGeometry,
  wantIndices: boolean,
): [Tensor, Tensor | null] {
  const [N, C, H, W] = x.shape;
  const src = contiguous(detach(x));
  const shape = [N, C, ...g.out];
  const y = empty(shape, 'float32', x.backend);
  const needIndices = wantIndices || needsGrad(x);
  const idx = needIndices ? empty(shape, 'int32', x.backend) : null;
  kernel(src._view(), y._view(), idx?._view() ?? null, null, { mode: 'max', ...g });
  const L = g.out[0] * g.out[1];
  const values = attach(y, 'maxPool2d', [x], idx ? [idx] : [], (grad, [ix]) => {
    if (tiles(g)) {
      const hit = overWindows(ix, g).eq(positions(g, H, W, x));
      return [fitTiles(where(hit, overWindows(grad, g), 0), g, H, W)];
    }
    const zeros = full([N, C, H * W], 0, { backend: x.backend });
    const dx = scatterAddUnchecked(zeros, 2, reshape(ix, [N, C, L]), reshape(grad, [N, C, L]));
    return [reshape(dx, [N, C, H, W])];
  });
  return [values, wantIndices ? idx : null];
}

/** Average pooling of x [N, C, H, W] with PyTorch's per-window divisor (float32 [OH * OW]). */
export function fusedAvgPool2d(kernel: Pool2dKernel, x: Tensor, g: Pool2dGeometry, divisor: Tensor): Tensor {
  const [N, C, H, W] = x.shape;
  const src = contiguous(detach(x));
  const y = empty([N, C, ...g.out], 'float32', x.backend);
  kernel(src._view(), y._view(), null, divisor._view(), { mode: 'avg', ...g });
  return attach(y, 'avgPool2d', [x], [divisor], (grad, [div]) => {
    if (tiles(g))
      return [fitTiles(overWindows(grad, g).div(overWindows(reshape(div, [1, 1, ...g.out]), g)), g, H, W)];
    const [kh, kw] = g.kernel;
    const ones = full([1, 1, kh, kw], 1, { backend: x.backend });
    const spread = convTranspose2d(reshape(grad.div(reshape(div, g.out)), [N * C, 1, ...g.out]), ones, null, {
      stride: g.stride,
    });
    // spread[u] belongs to input position u - padding; crop (or zero-fill) to [0, H) x [0, W).
    const [ph, pw] = g.padding;
    const [fh, fw] = spread.shape.slice(2);
    const dx = pad(spread, [-pw, W + pw - fw, -ph, H + ph - fh]);
    return [reshape(dx, [N, C, H, W])];
  });
}

/** Whether the windows tile the (padded) input without overlap or gaps between them. */
function tiles(g: Pool2dGeometry): boolean {
  return (
    g.stride[0] === g.kernel[0] && g.stride[1] === g.kernel[1] && g.dilation[0] === 1 && g.dilation[1] === 1
  );
}

/** t [n, c, OH, OW] as the stride-0 view [n, c, OH, kh, OW, kw]: each value over its window. */
function overWindows(t: Tensor, g: Pool2dGeometry): Tensor {
  const [n, c, OH, OW] = t.shape;
  const [kh, kw] = g.kernel;
  return expand(reshape(t, [n, c, OH, 1, OW, 1]), [n, c, OH, kh, OW, kw]);
}

/** The flat input position h * W + w of every window element, [OH, kh, OW, kw] (-1 in the padding). */
function positions(g: Pool2dGeometry, H: number, W: number, x: Tensor): Tensor {
  const [OH, OW] = g.out;
  const [kh, kw] = g.kernel;
  const table = new Int32Array(OH * kh * OW * kw);
  let i = 0;
  for (let oh = 0; oh < OH; oh++) {
    for (let a = 0; a < kh; a++) {
      const h = oh * kh + a - g.padding[0];
      for (let ow = 0; ow < OW; ow++) {
        for (let b = 0; b < kw; b++) {
          const w = ow * kw + b - g.padding[1];
          table[i++] = h >= 0 && h < H && w >= 0 && w < W ? h * W + w : -1;
        }
      }
    }
  }
  return fromTypedArray(table, [OH, kh, OW, kw], x.backend);
}

/** Window-major [N, C, OH, kh, OW, kw] gradient -> [N, C, H, W]: drop the padding, zero the rows no window covers. */
function fitTiles(t: Tensor, g: Pool2dGeometry, H: number, W: number): Tensor {
  const [N, C, OH, kh, OW, kw] = t.shape;
  const [ph, pw] = g.padding;
  const covered = reshape(t, [N, C, OH * kh, OW * kw]);
  const pads = [-pw, W + pw - OW * kw, -ph, H + ph - OH * kh];
  return pads.every((p) => p === 0) ? covered : pad(covered, pads);
}
