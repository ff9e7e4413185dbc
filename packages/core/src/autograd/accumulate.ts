/**
 * Where a backward pass leaves its result: the `.grad` of leaves (PyTorch's AccumulateGrad),
 * and of the non-leaf tensors named in `backward({ inputs })`.
 */
import { fmtShape, shapeEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { enableGrad, noGrad } from './grad-mode.js';

/** Add `g` into `leaf.grad` (consumed). */
export function accumulateLeaf(leaf: Tensor, g: Tensor, createGraph: boolean): void {
  if (!shapeEqual(g.shape, leaf.shape)) {
    g.dispose();
    throw new Error(
      `backward: internal error, gradient of shape ${fmtShape(g.shape)} for a leaf of shape ${fmtShape(leaf.shape)}`,
    );
  }
  const existing = leaf.grad;
  if (existing) {
    // In place only when neither side is part of a graph (PyTorch's AccumulateGrad: with
    // create_graph, grad = grad + new, so the old gradient's graph stays intact).
    if (!createGraph && !existing.requiresGrad && !g.requiresGrad) {
      existing._addInPlace(g);
      g.dispose();
    } else {
      leaf.grad = (createGraph ? enableGrad : noGrad)(() => existing.add(g));
      g.dispose();
    }
    return;
  }
  // The gradient must own its memory: later backward calls accumulate into it in place.
  if (g._ownsStorage() || g.requiresGrad) leaf.grad = g;
  else {
    leaf.grad = g.contiguousCopy();
    g.dispose();
  }
}

/** backward(inputs=[t]) for a non-leaf t: its `.grad` gets the gradient (PyTorch retains it). */
export function accumulateNonLeaf(t: Tensor, g: Tensor, createGraph: boolean): void {
  const existing = t.grad;
  if (!existing) {
    t.grad = g;
    return;
  }
  t.grad = (createGraph ? enableGrad : noGrad)(() => existing.add(g));
  g.dispose();
}
