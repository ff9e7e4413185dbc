/**
 * Convolutions (all padding modes; 'circular' is written as slices and concats because ONNX's
 * Pad has 'wrap' only from opset 19) and transposed convolutions. PyTorch's weight layouts
 * are ONNX's, so weights go in unchanged.
 */
import { nn } from '@layers/core';
import type { Graph, Value } from '../graph.js';
import { registerAll } from '../registry.js';

/** An int-or-tuple option as d numbers. @internal */
export function tup(v: number | readonly number[] | null | undefined, d: number, fallback: number): number[] {
  if (v === undefined || v === null) return new Array(d).fill(fallback);
  if (typeof v === 'number') return new Array(d).fill(v);
  return v.length === 1 && d > 1 ? new Array(d).fill(v[0]) : [...v];
}

/**
 * Runs `body` on x with a batch dim (ONNX's Conv and pools need [N, C, ...]): an unbatched
 * input (rank d + 1) is unsqueezed before and squeezed after. @internal
 */
export function withBatch(g: Graph, x: Value, d: number, body: (x: string) => string): string {
  if (x.rank === d + 2) return body(x.name);
  const y = body(g.op('Unsqueeze', [x.name, g.ints([0])]));
  return g.op('Squeeze', [y, g.ints([0])]);
}

/** Per-dim (left, right) zero padding of a Conv's `padding` option. */
function convPads(
  padding: number | readonly number[] | 'same' | 'valid',
  k: number[],
  dil: number[],
): [number, number][] {
  if (padding === 'valid') return k.map(() => [0, 0]);
  if (padding === 'same') {
    // PyTorch puts the odd element on the right.
    return k.map((n, i) => {
      const total = dil[i] * (n - 1);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  }
  return tup(padding, k.length, 0).map((p) => [p, p]);
}

/** Wrap-around padding of the last pads.length dims of a batched x (sizes >= 0). @internal */
export function circularPad(g: Graph, x: string, rank: number, pads: [number, number][]): string {
  let y = x;
  pads.forEach(([l, r], i) => {
    const axis = rank - pads.length + i;
    const parts: string[] = [];
    const sl = (start: number, end: number) =>
      g.op('Slice', [y, g.ints([start]), g.ints([end]), g.ints([axis])]);
    if (l > 0) parts.push(sl(-l, Number.MAX_SAFE_INTEGER));
    parts.push(y);
    if (r > 0) parts.push(sl(0, r));
    if (parts.length > 1) y = g.op('Concat', parts, { axis });
  });
  return y;
}

type ConvModule = nn.Conv1d | nn.Conv2d | nn.Conv3d;

function exportConv(g: Graph, m: ConvModule, [xv]: unknown[]): string {
  const x = xv as Value;
  const d = m.d;
  const pads = convPads(m.padding, m.kernelSize, m.dilation);
  const inputs = (y: string) => (m.bias ? [y, g.param(m.weight), g.param(m.bias)] : [y, g.param(m.weight)]);
  const attrs = (p: [number, number][]) => ({
    kernel_shape: m.kernelSize,
    strides: m.stride,
    dilations: m.dilation,
    group: m.groups,
    pads: [...p.map((q) => q[0]), ...p.map((q) => q[1])],
  });
  const none = pads.map((): [number, number] => [0, 0]);
  return withBatch(g, x, d, (y) => {
    if (m.paddingMode === 'zeros') return g.op('Conv', inputs(y), attrs(pads));
    let padded: string;
    if (m.paddingMode === 'circular') padded = circularPad(g, y, d + 2, pads);
    else {
      const all = [0, 0, ...pads.map((p) => p[0]), 0, 0, ...pads.map((p) => p[1])];
      padded = g.op('Pad', [y, g.ints(all)], { mode: m.paddingMode === 'replicate' ? 'edge' : 'reflect' });
    }
    return g.op('Conv', inputs(padded), attrs(none));
  });
}
registerAll([nn.Conv1d, nn.Conv2d, nn.Conv3d], exportConv);

type ConvTModule = nn.ConvTranspose1d | nn.ConvTranspose2d | nn.ConvTranspose3d;

function exportConvTranspose(g: Graph, m: ConvTModule, [xv, fwd]: unknown[]): string {
  const x = xv as Value;
  const d = m.d;
  let outputPadding = m.outputPadding;
  const outputSize = (fwd as { outputSize?: readonly number[] } | undefined)?.outputSize;
  if (outputSize) {
    // forward derives outputPadding from the input size: that size is baked in.
    const size = outputSize.slice(outputSize.length - d);
    outputPadding = size.map((want, i) => {
      const s = g.staticDim(x, x.rank - d + i, `${g.pathOf(m)} with outputSize`);
      const min = (s - 1) * m.stride[i] - 2 * m.padding[i] + m.dilation[i] * (m.kernelSize[i] - 1) + 1;
      return want - min;
    });
  }
  return withBatch(g, x, d, (y) =>
    g.op('ConvTranspose', m.bias ? [y, g.param(m.weight), g.param(m.bias)] : [y, g.param(m.weight)], {
      kernel_shape: m.kernelSize,
      strides: m.stride,
      dilations: m.dilation,
      group: m.groups,
      pads: [...m.padding, ...m.padding],
      output_padding: outputPadding,
    }),
  );
}
registerAll([nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d], exportConvTranspose);
