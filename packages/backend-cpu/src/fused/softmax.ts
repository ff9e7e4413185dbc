import type { View } from '@layers/core';
import { f32 } from '../buffers.js';

/**
 * Softmax / log-softmax over rows of contiguous [outer, inner]. Subtracting the row max first
 * keeps exp() in range (inputs of magnitude 1000 would overflow otherwise); sums are float64.
 */
export function softmax(x: View, out: View, outer: number, inner: number, log: boolean): void {
  const xd = f32(x);
  const od = f32(out);
  for (let r = 0; r < outer; r++) {
    const xs = x.offset + r * inner;
    const os = out.offset + r * inner;
    let max = -Infinity;
    for (let i = 0; i < inner; i++) {
      const v = xd[xs + i];
      if (v > max || Number.isNaN(v)) max = v;
      if (Number.isNaN(v)) break;
    }
    if (Number.isNaN(max)) {
      // A NaN anywhere in the row poisons the whole row, as in PyTorch.
      od.fill(Number.NaN, os, os + inner);
      continue;
    }
    // An all -inf row gives (-inf) - (-inf) = NaN everywhere, matching torch.
    let sum = 0;
    if (log) {
      for (let i = 0; i < inner; i++) sum += Math.exp(xd[xs + i] - max);
      const lse = max + Math.log(sum);
      for (let i = 0; i < inner; i++) od[os + i] = xd[xs + i] - lse;
    } else {
      // out may alias x, so write exps first and rescale in a second pass.
      for (let i = 0; i < inner; i++) {
        const e = Math.exp(xd[xs + i] - max);
        od[os + i] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let i = 0; i < inner; i++) od[os + i] *= inv;
    }
  }
}
