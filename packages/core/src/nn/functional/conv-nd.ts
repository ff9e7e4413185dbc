/**
 * N-d convolution and transposed convolution (internal; F.conv* and nn.Conv* call these
 * with the layer name used in errors).
 *
 * Convolution is im2col + one batched matmul per group: the padded input is viewed as
 * windows [N, C, ...k, ...o] (no copy), rearranged to [G, Cg*K, N*L] and multiplied by the
 * weight [G, Og, Cg*K]. When the backend has `fused.conv2d`, 2-D (and 1-D, as height-1 2-D)
 * forwards run there; their gradients are the same composed products (grad input = col2im
 * of w^T g, grad weight = g cols^T). Transposed convolution is the adjoint: w^T x, then
 * col2im into the full output, cropped by the padding.
 */
import { castLow, wantsLow } from '../../amp/autocast.js';
import { attach } from '../../autograd/node.js';
import { pad } from '../../ops/indexing.js';
import { empty } from '../../ops/kernel.js';
import { matmul } from '../../ops/linalg.js';
import { sum } from '../../ops/reduce.js';
import {
  contiguous,
  detach,
  narrow,
  permute,
  reshape,
  squeeze,
  transpose,
  unsqueeze,
} from '../../ops/view.js';
import { isFloat } from '../../tensor/dtype.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { CONV_KEYS, CONV_TRANSPOSE_KEYS } from '../option-keys.js';
import { checkOptionalTensor, checkOptions, checkTensor } from '../validate.js';
import { composeInFloat32 } from './compose-f32.js';
import { fusedKernel } from './fused.js';
import { col2im, tuple, windowCount, windows } from './windows.js';

/** One number for every spatial dim, or one per dim. */
export type IntOrTuple = number | readonly number[];

/** Options of F.conv1d/2d/3d, with PyTorch's defaults. */
export interface ConvOptions {
  /** Window step (default 1). */
  stride?: IntOrTuple;
  /** Zero padding per side, or 'valid' (none) or 'same' (output size = input size, stride 1). */
  padding?: IntOrTuple | 'same' | 'valid';
  /** Spacing between kernel taps (default 1). */
  dilation?: IntOrTuple;
  /** Channel groups (default 1). */
  groups?: number;
}

/** Options of F.convTranspose1d/2d/3d, with PyTorch's defaults. */
export interface ConvTransposeOptions {
  /** Step of the corresponding convolution (default 1). */
  stride?: IntOrTuple;
  /** Trims `padding` from both sides of each spatial dim of the full output (default 0). */
  padding?: IntOrTuple;
  /** Extra size on one side of the output (default 0). */
  outputPadding?: IntOrTuple;
  /** Channel groups (default 1). */
  groups?: number;
  /** Spacing between kernel taps (default 1). */
  dilation?: IntOrTuple;
}

const prod = (a: readonly number[]) => a.reduce((p, v) => p * v, 1);
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);
const times = (a: readonly number[]) => a.join(' x ');

/** Float input, batched or unbatched: returns the batched tensor and whether to squeeze. */
function checkInput(name: string, x: Tensor, d: number): boolean {
  checkTensor(name, 'input', x);
  if (!isFloat(x.dtype)) throw new TypeError(`${name} expected a float input, got ${x.dtype}`);
  if (x.ndim !== d + 1 && x.ndim !== d + 2) {
    throw new RangeError(
      `${name} expected a ${d + 1}-D (unbatched) or ${d + 2}-D (batched) input, got ${x.ndim}-D input of shape ${fmtShape(x.shape)}`,
    );
  }
  return x.ndim === d + 1;
}

/** PyTorch refuses mixed float dtypes in a convolution ("Input type (Half) and weight type (float)"). */
function checkSameFloat(name: string, x: Tensor, w: Tensor, bias: Tensor | null): void {
  for (const [what, t] of [
    ['weight', w],
    ['bias', bias],
  ] as const) {
    if (t && t.dtype !== x.dtype) {
      throw new TypeError(
        `${name}: input type (${x.dtype}) and ${what} type (${t.dtype}) should be the same (cast one, or run under autocast)`,
      );
    }
  }
}

function checkWeight(name: string, w: Tensor, bias: Tensor | null, d: number, outChannels: number): void {
  checkTensor(name, 'weight', w);
  checkOptionalTensor(name, 'bias', bias);
  if (!isFloat(w.dtype)) throw new TypeError(`${name} expected a float weight, got ${w.dtype}`);
  if (w.ndim !== d + 2) {
    throw new RangeError(`${name} expected a ${d + 2}-D weight, got weight of shape ${fmtShape(w.shape)}`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new RangeError(
      `${name} expected a bias of shape [${outChannels}], got bias of shape ${fmtShape(bias.shape)}`,
    );
  }
  if (bias && !isFloat(bias.dtype)) throw new TypeError(`${name} expected a float bias, got ${bias.dtype}`);
}

/** [N, C, ...S] padded input -> [G, Cg*K, N*L] column matrix (one copy). */
function columns(xp: Tensor, groups: number, k: number[], stride: number[], dil: number[]): Tensor {
  const d = k.length;
  const [N, C] = xp.shape;
  const cols = windows(xp, k, stride, dil); // [N, C, ...k, ...o]
  const o = cols.shape.slice(2 + d);
  const split = reshape(cols, [N, groups, C / groups, ...k, ...o]);
  const moved = permute(split, [1, 2, ...range(d, 3), 0, ...range(d, 3 + d)]);
  return reshape(moved, [groups, (C / groups) * prod(k), N * prod(o)]);
}

/** [G, Cg*K, N*L] columns -> [N, C, ...size] by summing the windows back (col2im). */
function fromColumns(
  cm: Tensor,
  N: number,
  C: number,
  o: number[],
  size: number[],
  k: number[],
  stride: number[],
  dil: number[],
): Tensor {
  const d = k.length;
  const G = cm.shape[0];
  const split = reshape(cm, [G, C / G, ...k, N, ...o]);
  const moved = permute(split, [2 + d, 0, 1, ...range(d, 2), ...range(d, 3 + d)]);
  return reshape(col2im(moved, size, k, stride, dil), [N, C, ...size]);
}

/** [G, Og, N*L] -> [N, O, ...o]. */
function fromMatrix(m: Tensor, N: number, o: number[]): Tensor {
  const [G, Og] = m.shape;
  const moved = permute(reshape(m, [G, Og, N, prod(o)]), [2, 0, 1, 3]);
  return reshape(moved, [N, G * Og, ...o]);
}

/** [N, O, ...o] -> [G, Og, N*L]. */
function toMatrix(g: Tensor, groups: number): Tensor {
  const [N, O] = g.shape;
  const L = prod(g.shape.slice(2));
  const moved = permute(reshape(g, [N, groups, O / groups, L]), [1, 2, 0, 3]);
  return reshape(moved, [groups, O / groups, N * L]);
}

function biasShape(O: number, d: number): number[] {
  return [O, ...new Array<number>(d).fill(1)];
}

/** (left, right) padding per spatial dim (also what Conv modules pad with a non-zeros paddingMode). */
export function resolvePadding(
  name: string,
  padding: ConvOptions['padding'],
  d: number,
  k: number[],
  stride: number[],
  dil: number[],
): [number, number][] {
  if (padding === 'valid') return k.map(() => [0, 0]);
  if (padding === 'same') {
    if (stride.some((s) => s !== 1)) {
      throw new RangeError(`${name}: padding='same' is not supported for strided convolutions`);
    }
    // PyTorch puts the odd extra element on the right.
    return k.map((n, i) => {
      const total = dil[i] * (n - 1);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  }
  return tuple(padding, d, 0, name, 'padding', 0).map((p) => [p, p]);
}

/** F.pad's argument (pairs from the last dim) for per-dim (left, right) pads. */
export function padArg(pads: readonly [number, number][]): number[] {
  return [...pads].reverse().flat();
}

function checkGroups(name: string, groups: number): number {
  if (!Number.isInteger(groups) || groups < 1)
    throw new RangeError(`${name}: groups must be a positive integer`);
  return groups;
}

export function convNd(
  name: string,
  d: number,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  opts: ConvOptions = {},
): Tensor {
  const unbatched = checkInput(name, input, d);
  checkOptions(name, opts, CONV_KEYS);
  checkTensor(name, 'weight', weight);
  // autocast: convolutions run in the low-precision dtype.
  if (wantsLow(input, weight, bias)) {
    return tidy(() => convNd(name, d, castLow(input), castLow(weight), castLow(bias), opts));
  }
  const groups = checkGroups(name, opts.groups ?? 1);
  const O = weight.shape[0];
  checkWeight(name, weight, bias ?? null, d, O);
  checkSameFloat(name, input, weight, bias ?? null);
  const k = weight.shape.slice(2);
  const stride = tuple(opts.stride, d, 1, name, 'stride');
  const dil = tuple(opts.dilation, d, 1, name, 'dilation');
  const pads = resolvePadding(name, opts.padding ?? 0, d, k, stride, dil);
  const C = input.shape[unbatched ? 0 : 1];
  if (C !== weight.shape[1] * groups) {
    throw new RangeError(
      `${name} expected input with ${weight.shape[1] * groups} channels, got ${C} (input shape ${fmtShape(input.shape)})`,
    );
  }
  if (O % groups !== 0) {
    throw new RangeError(`${name}: out channels (${O}) must be divisible by groups (${groups})`);
  }
  const spatial = input.shape.slice(unbatched ? 1 : 2);
  const padded = spatial.map((s, i) => s + pads[i][0] + pads[i][1]);
  const span = k.map((n, i) => dil[i] * (n - 1) + 1);
  if (padded.some((s, i) => s < span[i])) {
    throw new RangeError(
      `${name}: calculated padded input size per channel (${times(padded)}) is smaller than the (dilated) kernel size (${times(span)}); input shape ${fmtShape(input.shape)}`,
    );
  }
  return tidy(() => {
    const x = unbatched ? unsqueeze(input, 0) : input;
    const xp = pads.some(([l, r]) => l !== 0 || r !== 0) ? pad(x, padArg(pads)) : x;
    const b = bias ?? null;
    const y = d <= 2 ? convFused(xp, weight, b, groups, k, stride, dil) : null;
    // Without a fused kernel, 16-bit inputs compose in float32 and round once (compose-f32.ts).
    const out =
      y ??
      composeInFloat32(xp, (w) => convComposed(w(xp), w(weight), w(b), groups, k, stride, dil)) ??
      convComposed(xp, weight, b, groups, k, stride, dil);
    return unbatched ? squeeze(out, 0) : out;
  });
}

/** The fallback: im2col view + matmul, differentiated by autograd. */
function convComposed(
  xp: Tensor,
  w: Tensor,
  bias: Tensor | null,
  groups: number,
  k: number[],
  stride: number[],
  dil: number[],
): Tensor {
  const d = k.length;
  const N = xp.shape[0];
  const O = w.shape[0];
  const o = xp.shape.slice(2).map((s, i) => windowCount(s, k[i], stride[i], dil[i]));
  const wm = reshape(w, [groups, O / groups, w.size / O]);
  const out = fromMatrix(matmul(wm, columns(xp, groups, k, stride, dil)), N, o);
  return bias ? out.add(reshape(bias, biasShape(O, d))) : out;
}

/** The backend's conv2d for 1-D/2-D forwards, or null when it has none. */
function convFused(
  xp: Tensor,
  w: Tensor,
  bias: Tensor | null,
  groups: number,
  k: number[],
  stride: number[],
  dil: number[],
): Tensor | null {
  const kernel = fusedKernel(xp.backend, 'conv2d');
  if (!kernel) return null;
  const d = k.length;
  const N = xp.shape[0];
  const O = w.shape[0];
  const o = xp.shape.slice(2).map((s, i) => windowCount(s, k[i], stride[i], dil[i]));
  // 1-D runs as a height-1 2-D convolution.
  const as2d = (t: Tensor) => (d === 1 ? unsqueeze(t, 2) : t);
  const x4 = contiguous(as2d(detach(xp)));
  const w4 = contiguous(as2d(detach(w)));
  const b = bias ? contiguous(detach(bias)) : null;
  const o2 = d === 1 ? [1, o[0]] : o;
  const y = empty([N, O, ...o2], xp.dtype, xp.backend);
  if (y.size > 0) {
    kernel(x4._view('conv2d'), w4._view('conv2d'), b ? b._view('conv2d') : null, y._view(), {
      stride: (d === 1 ? [1, stride[0]] : stride) as [number, number],
      dilation: (d === 1 ? [1, dil[0]] : dil) as [number, number],
      groups,
    });
  }
  const out = d === 1 ? reshape(y, [N, O, ...o]) : y;
  const needX = xp.requiresGrad;
  const needW = w.requiresGrad;
  const needB = bias?.requiresGrad ?? false;
  const size = xp.shape.slice(2);
  const C = xp.shape[1];
  return attach(out, 'conv2d', [xp, w, bias], [xp, w], (g, [sx, sw]) => {
    const gm = toMatrix(g, groups);
    const gx = needX
      ? fromColumns(
          matmul(transpose(reshape(sw, [groups, O / groups, sw.size / O]), 1, 2), gm),
          N,
          C,
          o,
          size,
          k,
          stride,
          dil,
        )
      : null;
    const gw = needW
      ? reshape(matmul(gm, transpose(columns(sx, groups, k, stride, dil), 1, 2)), sw.shape)
      : null;
    const gb = needB ? sum(g, [0, ...range(d, 2)]) : null;
    return [gx, gw, gb];
  });
}

export function convTransposeNd(
  name: string,
  d: number,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  opts: ConvTransposeOptions = {},
): Tensor {
  const unbatched = checkInput(name, input, d);
  checkOptions(name, opts, CONV_TRANSPOSE_KEYS);
  checkTensor(name, 'weight', weight);
  if (wantsLow(input, weight, bias)) {
    return tidy(() => convTransposeNd(name, d, castLow(input), castLow(weight), castLow(bias), opts));
  }
  const groups = checkGroups(name, opts.groups ?? 1);
  const Cin = weight.shape[0];
  const O = weight.shape[1] * groups;
  checkWeight(name, weight, bias ?? null, d, O);
  checkSameFloat(name, input, weight, bias ?? null);
  const k = weight.shape.slice(2);
  const stride = tuple(opts.stride, d, 1, name, 'stride');
  const dil = tuple(opts.dilation, d, 1, name, 'dilation');
  const padding = tuple(opts.padding, d, 0, name, 'padding', 0);
  const outPad = tuple(opts.outputPadding, d, 0, name, 'outputPadding', 0);
  const C = input.shape[unbatched ? 0 : 1];
  if (C !== Cin) {
    throw new RangeError(
      `${name} expected input with ${Cin} channels, got ${C} (input shape ${fmtShape(input.shape)})`,
    );
  }
  if (Cin % groups !== 0) {
    throw new RangeError(`${name}: in channels (${Cin}) must be divisible by groups (${groups})`);
  }
  outPad.forEach((p, i) => {
    if (p >= stride[i] && p >= dil[i]) {
      throw new RangeError(
        `${name}: output padding must be smaller than either stride or dilation, got outputPadding ${p}, stride ${stride[i]}, dilation ${dil[i]}`,
      );
    }
  });
  const L = input.shape.slice(unbatched ? 1 : 2);
  const full = L.map((n, i) => (n - 1) * stride[i] + dil[i] * (k[i] - 1) + 1 + outPad[i]);
  const outSize = full.map((f, i) => f - 2 * padding[i]);
  if (outSize.some((s) => s <= 0)) {
    throw new RangeError(
      `${name}: given input of shape ${fmtShape(input.shape)}, the calculated output size (${times(outSize)}) is too small`,
    );
  }
  return tidy(() => {
    const x = unbatched ? unsqueeze(input, 0) : input;
    const N = x.shape[0];
    const xm = reshape(permute(reshape(x, [N, groups, Cin / groups, prod(L)]), [1, 2, 0, 3]), [
      groups,
      Cin / groups,
      N * prod(L),
    ]);
    const wt = transpose(reshape(weight, [groups, Cin / groups, weight.size / Cin]), 1, 2);
    let y = fromColumns(matmul(wt, xm), N, O, L, full, k, stride, dil);
    padding.forEach((p, i) => {
      if (p > 0) y = narrow(y, 2 + i, p, outSize[i]);
    });
    if (bias) y = y.add(reshape(bias, biasShape(O, d)));
    else if (padding.some((p) => p > 0)) y = contiguous(y);
    return unbatched ? squeeze(y, 0) : y;
  });
}
