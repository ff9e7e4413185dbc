/**
 * The padding layers: ONNX Pad for constant, reflect and edge (replicate) modes, slices and
 * concats for circular (Pad's 'wrap' is opset 19). Negative sizes crop with Slice, in
 * PyTorch's order: after padding for the Pad modes, before wrapping for circular.
 */
import { nn } from '@layers/core';
import type { Graph, Value } from '../graph.js';
import { registerAll } from '../registry.js';
import { circularPad } from './conv.js';

type PadModule =
  | nn.ZeroPad1d
  | nn.ZeroPad2d
  | nn.ZeroPad3d
  | nn.ConstantPad1d
  | nn.ConstantPad2d
  | nn.ConstantPad3d
  | nn.ReflectionPad1d
  | nn.ReflectionPad2d
  | nn.ReflectionPad3d
  | nn.ReplicationPad1d
  | nn.ReplicationPad2d
  | nn.ReplicationPad3d
  | nn.CircularPad1d
  | nn.CircularPad2d
  | nn.CircularPad3d;

/** (left, right) per padded dim, first dim first (F.pad lists the last dim first). */
function pairs(padding: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = padding.length - 2; i >= 0; i -= 2) out.push([padding[i], padding[i + 1]]);
  return out;
}

/** Crop the negative sides of the last pads.length dims. */
function crop(g: Graph, x: string, rank: number, pads: [number, number][]): string {
  const axes: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  pads.forEach(([l, r], i) => {
    if (l >= 0 && r >= 0) return;
    axes.push(rank - pads.length + i);
    starts.push(Math.max(-l, 0));
    ends.push(r < 0 ? r : Number.MAX_SAFE_INTEGER);
  });
  if (!axes.length) return x;
  return g.op('Slice', [x, g.ints(starts), g.ints(ends), g.ints(axes)]);
}

function exportPad(g: Graph, m: PadModule, x: Value, mode: string): string {
  const pads = pairs(m.padding);
  const lead = x.rank - pads.length;
  if (mode === 'circular') {
    const cropped = crop(g, x.name, x.rank, pads);
    return circularPad(
      g,
      cropped,
      x.rank,
      pads.map(([l, r]) => [Math.max(l, 0), Math.max(r, 0)]),
    );
  }
  const zeros = new Array<number>(lead).fill(0);
  const begins = [...zeros, ...pads.map(([l]) => Math.max(l, 0))];
  const endsPad = [...zeros, ...pads.map(([, r]) => Math.max(r, 0))];
  const inputs = [x.name, g.ints([...begins, ...endsPad])];
  if (mode === 'constant') inputs.push(g.scalar(m.value));
  const padded =
    begins.some((p) => p > 0) || endsPad.some((p) => p > 0) ? g.op('Pad', inputs, { mode }) : x.name;
  return crop(g, padded, x.rank, pads);
}

const byMode: [string, (typeof nn.ZeroPad1d)[]][] = [
  [
    'constant',
    [nn.ZeroPad1d, nn.ZeroPad2d, nn.ZeroPad3d, nn.ConstantPad1d, nn.ConstantPad2d, nn.ConstantPad3d] as never,
  ],
  ['reflect', [nn.ReflectionPad1d, nn.ReflectionPad2d, nn.ReflectionPad3d] as never],
  ['edge', [nn.ReplicationPad1d, nn.ReplicationPad2d, nn.ReplicationPad3d] as never],
  ['circular', [nn.CircularPad1d, nn.CircularPad2d, nn.CircularPad3d] as never],
];
for (const [mode, classes] of byMode) {
  registerAll<PadModule>(classes, (g, m, [x]) => exportPad(g, m, x as Value, mode));
}
