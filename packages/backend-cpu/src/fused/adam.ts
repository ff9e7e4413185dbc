import type { AdamStepParams, View } from '@layers/core';
import { f32 } from '../buffers.js';

/**
 * One torch.optim.Adam / AdamW step (PyTorch 1.13 single-tensor path) in place:
 *   g = maximize ? -grad : grad;  Adam: g += wd*param;  AdamW: param *= 1 - lr*wd
 *   m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2;  amsgrad: vmax = max(vmax, v), use vmax
 *   param -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
 */
export function adamStep(
  param: View,
  grad: View,
  m: View,
  v: View,
  vmax: View | null,
  p: AdamStepParams,
): void {
  const pd = f32(param);
  const gd = f32(grad);
  const md = f32(m);
  const vd = f32(v);
  const xd = vmax ? f32(vmax) : null;
  let size = 1;
  for (const n of param.shape) size *= n;
  const { lr, beta1, beta2, eps, weightDecay: wd, decoupled, maximize } = p;
  const stepSize = lr / p.biasCorrection1;
  const bc2Sqrt = Math.sqrt(p.biasCorrection2);
  const decay = decoupled ? 1 - lr * wd : 1;
  const po = param.offset;
  const go = grad.offset;
  const mo = m.offset;
  const vo = v.offset;
  const xo = vmax ? vmax.offset : 0;
  for (let i = 0; i < size; i++) {
    // Each intermediate is rounded to float32 where torch stores a float32 tensor.
    let w = pd[po + i];
    let g = gd[go + i];
    if (maximize) g = -g;
    if (decoupled) w = Math.fround(w * decay);
    else if (wd !== 0) g = Math.fround(g + wd * w);
    const mi = Math.fround(beta1 * md[mo + i] + (1 - beta1) * g);
    const vi = Math.fround(beta2 * vd[vo + i] + (1 - beta2) * g * g);
    md[mo + i] = mi;
    vd[vo + i] = vi;
    let vUse = vi;
    if (xd) {
      vUse = Math.max(xd[xo + i], vi); // propagates NaN like torch.maximum
      xd[xo + i] = vUse;
    }
    const denom = Math.sqrt(vUse) / bc2Sqrt + eps;
    pd[po + i] = w - (stepSize * mi) / denom;
  }
}
