/**
 * Fixture ops of family nn-conv (tooling/fixtures/nn_conv.py): convolutions (functional,
 * so the runner checks the gradients of input, weight and bias), conv modules through
 * functionalCall (paddingMode and the state-dict names), pools, interpolation.
 */
import * as L from '@layers/core';
import type { Arg, OpFn } from '../ops.js';

type Attrs = Record<string, any>;
const T = (a: Arg): L.Tensor => a as L.Tensor;
const opt = (a: Arg | undefined): L.Tensor | null => (a === null || a === undefined ? null : (a as L.Tensor));

const convOpts = (at: Attrs) => ({
  stride: at.stride ?? 1,
  padding: at.padding ?? 0,
  dilation: at.dilation ?? 1,
  groups: at.groups ?? 1,
});
const convTOpts = (at: Attrs) => ({
  stride: at.stride ?? 1,
  padding: at.padding ?? 0,
  outputPadding: at.outputPadding ?? 0,
  dilation: at.dilation ?? 1,
  groups: at.groups ?? 1,
});
const maxOpts = (at: Attrs) => ({
  stride: at.stride ?? null,
  padding: at.padding ?? 0,
  dilation: at.dilation ?? 1,
  ceilMode: at.ceilMode ?? false,
  returnIndices: at.returnIndices ?? false,
});
const avgOpts = (at: Attrs) => ({
  stride: at.stride ?? null,
  padding: at.padding ?? 0,
  ceilMode: at.ceilMode ?? false,
  countIncludePad: at.countIncludePad ?? true,
  divisorOverride: at.divisorOverride ?? null,
});

const CONV_MODULES = { 1: L.nn.Conv1d, 2: L.nn.Conv2d, 3: L.nn.Conv3d } as const;

export const CONV_OPS: Record<string, OpFn> = {
  conv1d: ([x, w, b], at) => L.F.conv1d(T(x), T(w), opt(b), convOpts(at)),
  conv2d: ([x, w, b], at) => L.F.conv2d(T(x), T(w), opt(b), convOpts(at)),
  conv3d: ([x, w, b], at) => L.F.conv3d(T(x), T(w), opt(b), convOpts(at)),
  convTranspose1d: ([x, w, b], at) => L.F.convTranspose1d(T(x), T(w), opt(b), convTOpts(at)),
  convTranspose2d: ([x, w, b], at) => L.F.convTranspose2d(T(x), T(w), opt(b), convTOpts(at)),
  convTranspose3d: ([x, w, b], at) => L.F.convTranspose3d(T(x), T(w), opt(b), convTOpts(at)),
  convModule: ([x, w, b], at) => {
    const Conv = CONV_MODULES[at.d as 1 | 2 | 3];
    const m = new Conv(at.inChannels, at.outChannels, at.kernelSize, {
      ...convOpts(at),
      paddingMode: at.paddingMode ?? 'zeros',
    });
    try {
      return L.nn.functionalCall<L.Tensor>(m, { weight: T(w), bias: T(b) }, T(x));
    } finally {
      for (const p of m.parameters()) p.dispose();
    }
  },

  maxPool1d: ([x], at) => L.F.maxPool1d(T(x), at.kernelSize, maxOpts(at)),
  maxPool2d: ([x], at) => L.F.maxPool2d(T(x), at.kernelSize, maxOpts(at)),
  maxPool3d: ([x], at) => L.F.maxPool3d(T(x), at.kernelSize, maxOpts(at)),
  avgPool1d: ([x], at) => L.F.avgPool1d(T(x), at.kernelSize, avgOpts(at)),
  avgPool2d: ([x], at) => L.F.avgPool2d(T(x), at.kernelSize, avgOpts(at)),
  avgPool3d: ([x], at) => L.F.avgPool3d(T(x), at.kernelSize, avgOpts(at)),
  adaptiveAvgPool1d: ([x], at) => L.F.adaptiveAvgPool1d(T(x), at.outputSize),
  adaptiveAvgPool2d: ([x], at) => L.F.adaptiveAvgPool2d(T(x), at.outputSize),
  adaptiveAvgPool3d: ([x], at) => L.F.adaptiveAvgPool3d(T(x), at.outputSize),
  adaptiveMaxPool1d: ([x], at) =>
    L.F.adaptiveMaxPool1d(T(x), at.outputSize, { returnIndices: at.returnIndices ?? false }),
  adaptiveMaxPool2d: ([x], at) =>
    L.F.adaptiveMaxPool2d(T(x), at.outputSize, { returnIndices: at.returnIndices ?? false }),

  interpolate: ([x], at) =>
    L.F.interpolate(T(x), {
      size: at.size ?? null,
      scaleFactor: at.scaleFactor ?? null,
      mode: at.mode ?? 'nearest',
      alignCorners: at.alignCorners ?? null,
    }),
  upsamplingBilinear2d: ([x], at) =>
    new L.nn.UpsamplingBilinear2d({ size: at.size ?? null, scaleFactor: at.scaleFactor ?? null }).forward(
      T(x),
    ),
  upsamplingNearest2d: ([x], at) =>
    new L.nn.UpsamplingNearest2d({ size: at.size ?? null, scaleFactor: at.scaleFactor ?? null }).forward(
      T(x),
    ),
};
