/**
 * Max and average pooling through a backend's fused `pool2d` (1-D pools as 2-D with H = 1).
 * The composed path in pool.ts copies every window out of a strided view before reducing it;
 * the kernel reads the input once. Gradients run on the backend's `pool2dBackward` when it
 * has one (one pass per plane, no index tensor, no scatter), and are otherwise composed:
 * max pooling scatters the gradient to the recorded argmax positions, average pooling is a
 * transposed convolution of grad / divisor with a kernel of ones (each input position
 * collects the windows it is in). Both backward paths are differentiable: the fused one's
 * own gradient is a gather at the indices (max) or the average pool itself (avg).
 *
 * Measured (wasm, 1 thread, MaxPool2d(2) of [64, 8, 28, 28], forward + backward, CPU time):
 * fill + scatterAdd 2.0 ms; composing the non-overlapping case as a gather instead (eq and
 * where on stride-0 views of indices and grad) 12.9 ms, as their inner rows are 2 long.
 */
import { attach, needsGrad } from '../../autograd/node.js';
import { kernels } from '../../backend/compute.js';
import type { FusedKernels } from '../../backend/contract.js';
import { full } from '../../ops/creation.js';
import { gatherUnchecked, pad } from '../../ops/indexing.js';
import { empty } from '../../ops/kernel.js';
import { contiguous, detach, reshape } from '../../ops/view.js';
import type { Tensor } from '../../tensor/tensor.js';
import { convTranspose2d } from './conv.js';
import { fusedKernel } from './fused.js';

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
  const y = empty(shape, x.dtype, x.backend);
  const needIndices = wantIndices || needsGrad(x);
  const idx = needIndices ? empty(shape, 'int32', x.backend) : null;
  kernel(src._view(), y._view(), idx?._view() ?? null, null, { mode: 'max', ...g });
  const L = g.out[0] * g.out[1];
  const values = attach(y, 'maxPool2d', [x], idx ? [idx] : [], (grad, [ix]) => {
    const backward = fusedKernel(x.backend, 'pool2dBackward');
    const dx = empty([N, C, H, W], 'float32', x.backend);
    const gc = contiguous(detach(grad));
    if (backward) backward(gc._view('maxPool2d'), ix._view(), null, dx._view(), { mode: 'max', ...g });
    else {
      // Scattered straight into the zeroed result: scatterAdd's out-of-place form would
      // copy the zeros first (one copy kernel per pool per step on webgpu).
      x.backend.fill(dx._view(), 0);
      const flat = (t: Tensor) => reshape(t, [N, C, L])._view('maxPool2d');
      kernels(x.backend).scatterAdd(reshape(dx, [N, C, H * W])._view(), flat(ix), flat(gc), 2);
    }
    // d(dx)/d(grad): each window reads the cotangent at its argmax.
    return [
      attach(dx, 'maxPool2dBackward', [grad], [ix], (gg, [si]) => [
        reshape(gatherUnchecked(reshape(gg, [N, C, H * W]), 2, reshape(si, [N, C, L])), grad.shape),
      ]),
    ];
  });
  return [values, wantIndices ? idx : null];
}

/** Average pooling of x [N, C, H, W] with PyTorch's per-window divisor (float32 [OH * OW]). */
export function fusedAvgPool2d(kernel: Pool2dKernel, x: Tensor, g: Pool2dGeometry, divisor: Tensor): Tensor {
  const [N, C, H, W] = x.shape;
  const src = contiguous(detach(x));
  const y = empty([N, C, ...g.out], x.dtype, x.backend);
  kernel(src._view(), y._view(), null, divisor._view(), { mode: 'avg', ...g });
  return attach(y, 'avgPool2d', [x], [divisor], (grad, [div]) => {
    const backward = fusedKernel(x.backend, 'pool2dBackward');
    if (backward) {
      const dx = empty([N, C, H, W], 'float32', x.backend);
      backward(contiguous(detach(grad))._view('avgPool2d'), null, div._view(), dx._view(), {
        mode: 'avg',
        ...g,
      });
      // d(dx)/d(grad) is the average pool itself.
      return [
        attach(dx, 'avgPool2dBackward', [grad], [div], (gg, [sd]) => [fusedAvgPool2d(kernel, gg, g, sd)]),
      ];
    }
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
