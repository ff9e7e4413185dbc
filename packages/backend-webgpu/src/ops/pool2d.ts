/**
 * pool2d and its input gradient, one dispatch each (kernels/pool2d.ts has the shaders). The
 * window geometry is baked into the shader (see PoolGeometry): the CNN's MaxPool2d(2) of
 * [64, 8, 28, 28] went from a loop over runtime bounds to four unguarded taps.
 */
import type { Pool2dParams, View } from '@layers/core';
import { grid, u32s, WG } from '../kernels/common.js';
import { type PoolGeometry, pool2dBackwardShader, pool2dShader, poolGeometryKey } from '../kernels/pool2d.js';
import type { FusedContext } from './fused.js';

const maxDim = (ctx: FusedContext): number => ctx.runtime.limits.maxComputeWorkgroupsPerDimension;

/** The shader geometry of `p` on an H x W input with OH x OW windows. */
function geometry(p: Pool2dParams, H: number, W: number, OH: number, OW: number): PoolGeometry {
  const [kh, kw] = p.kernel;
  const [sh, sw] = p.stride;
  const [dh, dw] = p.dilation;
  const inside =
    p.padding[0] === 0 &&
    p.padding[1] === 0 &&
    (OH - 1) * sh + (kh - 1) * dh < H &&
    (OW - 1) * sw + (kw - 1) * dw < W;
  const exact = inside && sh === kh && sw === kw && dh === 1 && dw === 1 && H === OH * kh && W === OW * kw;
  return { kernel: p.kernel, stride: p.stride, padding: p.padding, dilation: p.dilation, inside, exact };
}

/** Max or average pooling over NCHW, with argmax indices or a divisor view where asked. */
export function pool2dOp(
  ctx: FusedContext,
  x: View,
  out: View,
  indices: View | null,
  divisor: View | null,
  p: Pool2dParams,
): void {
  const [, , H, W] = x.shape;
  const [N, C, OH, OW] = out.shape;
  const total = N * C * OH * OW;
  if (total === 0) return;
  const g = geometry(p, H, W, OH, OW);
  const bindings = [ctx.bind(out, true), ctx.bind(x)];
  const third = p.mode === 'avg' ? divisor : indices;
  if (third) bindings.push(ctx.bind(third, p.mode === 'max'));
  ctx.runtime.dispatch({
    key: `pool2d|${p.mode}|${!!indices}|${poolGeometryKey(g)}`,
    source: () => pool2dShader(p.mode, !!indices, g),
    bindings,
    params: u32s([total, H, W, OH, OW, x.offset, out.offset, third ? third.offset : 0]),
    workgroups: grid(Math.ceil(total / WG), maxDim(ctx)),
  });
}

/** The input gradient of pool2d: a gather over the windows of each input element. */
export function pool2dBackwardOp(
  ctx: FusedContext,
  grad: View,
  indices: View | null,
  divisor: View | null,
  dx: View,
  p: Pool2dParams,
): void {
  const [N, C, H, W] = dx.shape;
  const [, , OH, OW] = grad.shape;
  if (N * C * H * W === 0) return;
  const third = p.mode === 'max' ? indices : divisor;
  if (!third)
    throw new Error(
      `pool2dBackward: ${p.mode} pooling needs its ${p.mode === 'max' ? 'indices' : 'divisor'}`,
    );
  const g = geometry(p, H, W, OH, OW);
  // The exact-tiling kernel runs one invocation per window, the gather one per input.
  const total = N * C * (g.exact ? OH * OW : H * W);
  ctx.runtime.dispatch({
    key: `pool2dBackward|${p.mode}|${poolGeometryKey(g)}`,
    source: () => pool2dBackwardShader(p.mode, g),
    bindings: [ctx.bind(dx, true), ctx.bind(grad), ctx.bind(third)],
    params: u32s([total, H, W, OH, OW, grad.offset, third.offset, dx.offset]),
    workgroups: grid(Math.ceil(total / WG), maxDim(ctx)),
  });
}
