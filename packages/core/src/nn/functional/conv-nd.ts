/**
 * N-d convolution and transposed convolution (internal; F.conv* and nn.Conv* call these
 * with the layer name used in errors).
 *
 * On a backend with the fused kernels, 1-D and 2-D convolutions (1-D as height-1 2-D) run
 * as the implicit-GEMM ops of conv2d-ops.ts: padding is implicit, and the gradients and the
 * transposed convolution are the backend's input- and weight-gradient kernels. Otherwise
 * convolution is im2col + one batched matmul per group: the padded input is viewed as
 * windows [N, C, ...k, ...o] (no copy), rearranged to [G, Cg*K, N*L] and multiplied by the
 * weight [G, Og, Cg*K], differentiated by autograd. Transposed convolution is the adjoint:
 * w^T x, then col2im into the full output, cropped by the padding.
 */
import { autocast, castLow, wantsLow } from '../../amp/autocast.js';
import { pad } from '../../ops/indexing.js';
import { matmul } from '../../ops/linalg.js';
import { contiguous, narrow, permute, reshape, squeeze, transpose, unsqueeze } from '../../ops/view.js';
import { isFloat } from '../../tensor/dtype.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { CONV_KEYS, CONV_TRANSPOSE_KEYS } from '../option-keys.js';
import { checkOptionalTensor, checkOptions, checkTensor } from '../validate.js';
import { composeInFloat32 } from './compose-f32.js';
import { columns, fromColumns, fromMatrix, prod } from './conv-columns.js';
import { type Conv2dGeometry, conv2dForward, conv2dInputGrad } from './conv2d-ops.js';
import { fusedKernel } from './fused.js';
import { tuple, windowCount } from './windows.js';

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
  // 16-bit floats: the whole convolution in float32, rounded once, as PyTorch's kernels
  // accumulate in float (compose-f32.ts); the kernels below see float32 only.
  // (autocast off inside: the float32 run must not be cast back down.)
  const wide = composeInFloat32(input, (w) =>
    autocast(() => convNd(name, d, w(input), w(weight), w(bias), opts), { enabled: false }),
  );
  if (wide) return wide;
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
    const b = bias ?? null;
    let out: Tensor;
    if (d <= 2 && fusedKernel(x.backend, 'conv2d')) {
      // Padding stays implicit: the kernel reads zeros outside x.
      const o = padded.map((s, i) => windowCount(s, k[i], stride[i], dil[i]));
      const geo = geometry2d(
        k,
        stride,
        pads.map((p) => p[0]),
        dil,
        groups,
      );
      const y = conv2dForward(as2d(x, d), as2d(weight, d), b, geo, pair(o, 1));
      out = d === 1 ? squeeze(y, 2) : y;
    } else {
      const xp = pads.some(([l, r]) => l !== 0 || r !== 0) ? pad(x, padArg(pads)) : x;
      out = convComposed(xp, weight, b, groups, k, stride, dil);
    }
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

/** A 1-D (as height 1) or 2-D argument as the (height, width) pair of 2-D convolution. */
function pair(v: readonly number[], one: number): [number, number] {
  return v.length === 2 ? [v[0], v[1]] : [one, v[0]];
}

/** [N, C, L] as [N, C, 1, L]; 2-D tensors unchanged. */
function as2d(t: Tensor, d: number): Tensor {
  return d === 1 ? unsqueeze(t, 2) : t;
}

function geometry2d(
  k: number[],
  stride: number[],
  padding: number[],
  dil: number[],
  groups: number,
): Conv2dGeometry {
  return {
    kernel: pair(k, 1),
    stride: pair(stride, 1),
    padding: pair(padding, 0),
    dilation: pair(dil, 1),
    groups,
  };
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
  const wide = composeInFloat32(input, (w) =>
    autocast(() => convTransposeNd(name, d, w(input), w(weight), w(bias), opts), { enabled: false }),
  );
  if (wide) return wide;
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
    if (d <= 2 && fusedKernel(x.backend, 'conv2dInputGrad')) {
      // The adjoint of the convolution of an outSize input: the kernel crops the padding.
      const geo = geometry2d(k, stride, padding, dil, groups);
      let y = conv2dInputGrad(as2d(x, d), as2d(weight, d), geo, pair(outSize, 1));
      if (d === 1) y = squeeze(y, 2);
      if (bias) y = y.add(reshape(bias, biasShape(O, d)));
      return unbatched ? squeeze(y, 0) : y;
    }
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
