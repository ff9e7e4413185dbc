/**
 * The wasm backend's convolution kernels (see assembly/conv.ts): forward, input gradient
 * and weight gradient as implicit GEMMs whose packed panels are read from the NCHW tensors
 * through the convolution's index map, padding included, so core never pads, im2cols or
 * col2ims for them.
 */
import type { Conv2dParams, View } from '@layers/core';
import type { WasmBackend } from './backend.js';
import { isContiguous } from './strided.js';

/** Bound on one chunk of packed panels (images are packed this many bytes at a time). */
const PANEL_BYTES = 32 << 20;

/** Run `fn` on contiguous versions of `views` (the contract promises them; copy defensively). */
function contiguous(be: WasmBackend, views: View[], fn: (vs: View[]) => void, i = 0): void {
  if (i === views.length) {
    fn(views);
    return;
  }
  const v = views[i];
  if (isContiguous(v.shape, v.strides)) {
    contiguous(be, views, fn, i + 1);
    return;
  }
  be.withContiguous(v, (ptr) => {
    const copy = views.slice();
    copy[i] = be.contiguousView(v, ptr);
    contiguous(be, copy, fn, i + 1);
  });
}

/** Images per chunk so that a chunk's packed panels stay within PANEL_BYTES. */
const chunkOf = (N: number, perImage: number) =>
  Math.max(1, Math.min(N, Math.floor(PANEL_BYTES / Math.max(perImage, 1))));

/** out = conv2d(x, w) + bias (FusedKernels.conv2d). */
export function conv2d(
  be: WasmBackend,
  x: View,
  w: View,
  bias: View | null,
  out: View,
  p: Conv2dParams,
): void {
  contiguous(be, [x, w], ([xc, wc]) => forward(be, xc, wc, bias, out, p));
}

function forward(be: WasmBackend, x: View, w: View, bias: View | null, out: View, p: Conv2dParams): void {
  const [N, C, H, W] = x.shape;
  const [O, Cg, kh, kw] = w.shape;
  const [, , OH, OW] = out.shape;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const g = p.groups;
  if (N * O * OH * OW === 0) return;
  const xp = be.addr(x);
  const wp = be.addr(w);
  const op = be.addr(out);
  const ohw = OH * OW;
  if (g === C && Cg === 1 && O % C === 0 && g > 1) {
    const args = [xp, wp, op, C, H, W, O, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW];
    be.par('depthwise', args, N * O, N * O * ohw * kh * kw, 1);
  } else {
    const Og = O / g;
    const ck = Cg * kh * kw;
    // A 1x1 convolution over the whole input is a plain GEMM on x's rows.
    const pointwise =
      kh === 1 && kw === 1 && sh === 1 && sw === 1 && ph === 0 && pw === 0 && OH === H && OW === W;
    const panels = Math.ceil(ohw / 8);
    const perImage = panels * ck * 32;
    const chunk = pointwise ? N : chunkOf(N, perImage);
    const col = pointwise ? 0 : be.scratch(chunk * perImage);
    try {
      for (let n0 = 0; n0 < N; n0 += chunk) {
        const nb = Math.min(chunk, N - n0);
        for (let gi = 0; gi < g; gi++) {
          const a = wp + gi * Og * ck * 4;
          const o = op + (n0 * O * ohw + gi * Og * ohw) * 4;
          const src = xp + (n0 * C + gi * Cg) * H * W * 4;
          if (pointwise) {
            be.gemm(a, 0, ck, 1, src, nb, C * H * W, H * W, 1, o, O * ohw, nb, Og, ohw, ck);
          } else {
            const map = [sh, dh, -ph, 1, sw, dw, -pw, 1];
            const args = [src, C * H * W, Cg, H, W, kh, kw, ...map, OH, OW, col, perImage];
            be.par('packWindows', args, nb * panels, nb * ck * ohw, 1);
            be.gemmRun(a, 0, ck, 1, [col, perImage, ck * 32, 32], o, O * ohw, nb, Og, ohw, ck);
          }
        }
      }
    } finally {
      if (col) be.allocator.free(col);
    }
  }
  if (bias) be.par('addBias', [op, be.addr(bias), O, ohw], N * O, N * O * ohw, 1);
}

/**
 * dx = conv^T(dy, w) (FusedKernels.conv2dInputGrad): per group, dx[Cg, H*W] = w^T [Cg,
 * Og*kh*kw] @ B with B packed from dy by the transposed index map (exact divisions by the
 * stride). With stride s, only about 1/s^2 of B is non-zero; the GEMM still multiplies it.
 */
export function conv2dInputGrad(be: WasmBackend, dy: View, w: View, dx: View, p: Conv2dParams): void {
  contiguous(be, [dy, w], ([yc, wc]) => inputGrad(be, yc, wc, dx, p));
}

function inputGrad(be: WasmBackend, dy: View, w: View, dx: View, p: Conv2dParams): void {
  const [N, O, OH, OW] = dy.shape;
  const [, Cg, kh, kw] = w.shape;
  const [, C, H, W] = dx.shape;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const g = p.groups;
  if (N * C * H * W === 0) return;
  const Og = O / g;
  const khw = kh * kw;
  const K = Og * khw;
  const hw = H * W;
  // w^T per group, [G][Cg][Og*kh*kw], so the GEMM's A has unit stride along k (w is small).
  const wt = be.scratch(O * Cg * khw * 4);
  const panels = Math.ceil(hw / 8);
  const perImage = panels * K * 32;
  const pointwise =
    kh === 1 && kw === 1 && sh === 1 && sw === 1 && ph === 0 && pw === 0 && OH === H && OW === W;
  const chunk = pointwise ? N : chunkOf(N, perImage);
  const col = pointwise ? 0 : be.scratch(chunk * perImage);
  try {
    const shape = [g, Cg, Og, khw];
    const src = { ...w, shape, strides: [Og * Cg * khw, khw, Cg * khw, 1] };
    be.copy(src, be.contiguousView({ ...w, shape }, wt));
    const yp = be.addr(dy);
    const xp = be.addr(dx);
    for (let n0 = 0; n0 < N; n0 += chunk) {
      const nb = Math.min(chunk, N - n0);
      for (let gi = 0; gi < g; gi++) {
        const a = wt + gi * Cg * K * 4;
        const o = xp + (n0 * C + gi * Cg) * hw * 4;
        const from = yp + (n0 * O + gi * Og) * OH * OW * 4;
        if (pointwise) {
          be.gemm(a, 0, K, 1, from, nb, O * OH * OW, OH * OW, 1, o, C * hw, nb, Cg, hw, K);
        } else {
          const map = [1, -dh, ph, sh, 1, -dw, pw, sw];
          const args = [from, O * OH * OW, Og, OH, OW, kh, kw, ...map, H, W, col, perImage];
          be.par('packWindows', args, nb * panels, nb * K * hw, 1);
          be.gemmRun(a, 0, K, 1, [col, perImage, K * 32, 32], o, C * hw, nb, Cg, hw, K);
        }
      }
    }
  } finally {
    be.allocator.free(wt);
    if (col) be.allocator.free(col);
  }
}

/**
 * dw = the weight gradient (FusedKernels.conv2dWeightGrad): one pass of assembly/conv.ts's
 * weightGrad over (group, 8-column panel of Cg*kh*kw) items, k running over images and pixels.
 */
export function conv2dWeightGrad(be: WasmBackend, x: View, dy: View, dw: View, p: Conv2dParams): void {
  contiguous(be, [x, dy], ([xc, yc]) => {
    const [N, C, H, W] = xc.shape;
    const [, O, OH, OW] = yc.shape;
    const [, Cg, kh, kw] = dw.shape;
    const Kc = Cg * kh * kw;
    if (O * Kc === 0) return;
    if (N * OH * OW === 0) {
      be.fill(dw, 0);
      return;
    }
    const items = p.groups * Math.ceil(Kc / 8);
    const args = [be.addr(xc), be.addr(yc), be.addr(dw), C, H, W, O, OH, OW, Cg, kh, kw];
    args.push(...p.stride, ...p.padding, ...p.dilation, N);
    be.par('weightGrad', args, items, N * OH * OW * O * Kc, 1);
  });
}
