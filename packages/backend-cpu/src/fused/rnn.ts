import type { View } from '@layers/core';
import { expr } from '@layers/core';
import { f32 } from '../buffers.js';

const { sigmoid } = expr;

// Each intermediate is rounded to float32 (Math.fround) where the composed ops would store a
// float32 tensor, so the fused cells give exactly the composed path's numbers.
const r32 = Math.fround;

/** One LSTM step's gate arithmetic (contract: FusedKernels.lstmCell). */
export function lstmCell(
  gx: View,
  gh: View,
  c: View,
  out: View,
  act: View,
  batch: number,
  hidden: number,
): void {
  const [xd, hd, cd, od, ad] = [f32(gx), f32(gh), f32(c), f32(out), f32(act)];
  const H = hidden;
  const cOff = out.offset + batch * H;
  for (let b = 0; b < batch; b++) {
    const gxb = gx.offset + b * 4 * H;
    const ghb = gh.offset + b * 4 * H;
    const ab = act.offset + b * 4 * H;
    for (let j = 0; j < H; j++) {
      const pre = (k: number) => r32(xd[gxb + k * H + j] + hd[ghb + k * H + j]);
      const i = r32(sigmoid(pre(0)));
      const f = r32(sigmoid(pre(1)));
      const g = r32(Math.tanh(pre(2)));
      const o = r32(sigmoid(pre(3)));
      const c1 = r32(r32(f * cd[c.offset + b * H + j]) + r32(i * g));
      ad[ab + j] = i;
      ad[ab + H + j] = f;
      ad[ab + 2 * H + j] = g;
      ad[ab + 3 * H + j] = o;
      od[cOff + b * H + j] = c1;
      od[out.offset + b * H + j] = o * r32(Math.tanh(c1));
    }
  }
}

/** One GRU step's gate arithmetic (contract: FusedKernels.gruCell). */
export function gruCell(
  gx: View,
  gh: View,
  h: View,
  out: View,
  act: View,
  batch: number,
  hidden: number,
): void {
  const [xd, hd, pd, od, ad] = [f32(gx), f32(gh), f32(h), f32(out), f32(act)];
  const H = hidden;
  for (let b = 0; b < batch; b++) {
    const gxb = gx.offset + b * 3 * H;
    const ghb = gh.offset + b * 3 * H;
    const ab = act.offset + b * 3 * H;
    for (let j = 0; j < H; j++) {
      const r = r32(sigmoid(r32(xd[gxb + j] + hd[ghb + j])));
      const z = r32(sigmoid(r32(xd[gxb + H + j] + hd[ghb + H + j])));
      const n = r32(Math.tanh(r32(xd[gxb + 2 * H + j] + r32(r * hd[ghb + 2 * H + j]))));
      ad[ab + j] = r;
      ad[ab + H + j] = z;
      ad[ab + 2 * H + j] = n;
      od[out.offset + b * H + j] = n + r32(z * r32(pd[h.offset + b * H + j] - n));
    }
  }
}
