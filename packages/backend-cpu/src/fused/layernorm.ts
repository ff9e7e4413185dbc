import type { LayerNormParams, View } from '@layers/core';
import { f32 } from '../buffers.js';

/**
 * LayerNorm over rows of contiguous [outer, inner]: biased variance (two-pass, float64) as
 * torch.nn.functional.layer_norm; writes per-row mean and rstd = 1/sqrt(var + eps) for backward.
 */
export function layerNorm(
  x: View,
  weight: View | null,
  bias: View | null,
  out: View,
  mean: View,
  rstd: View,
  { outer, inner, eps }: LayerNormParams,
): void {
  const xd = f32(x);
  const od = f32(out);
  const md = f32(mean);
  const rd = f32(rstd);
  const wd = weight ? f32(weight) : null;
  const bd = bias ? f32(bias) : null;
  const wo = weight ? weight.offset : 0;
  const bo = bias ? bias.offset : 0;
  for (let r = 0; r < outer; r++) {
    const xs = x.offset + r * inner;
    const os = out.offset + r * inner;
    let s = 0;
    for (let i = 0; i < inner; i++) s += xd[xs + i];
    const mu = s / inner;
    let q = 0;
    for (let i = 0; i < inner; i++) {
      const d = xd[xs + i] - mu;
      q += d * d;
    }
    const rs = 1 / Math.sqrt(q / inner + eps);
    md[mean.offset + r] = mu;
    rd[rstd.offset + r] = rs;
    for (let i = 0; i < inner; i++) {
      let y = (xd[xs + i] - mu) * rs;
      if (wd) y *= wd[wo + i];
      if (bd) y += bd[bo + i];
      od[os + i] = y;
    }
  }
}
