import type { DType } from '../backend/contract.js';
import type { Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from './grad-mode.js';

/** Computes the gradients of a node's inputs from the gradient of its output. */
export type BackwardFn = (grad: Tensor, saved: readonly Tensor[]) => (Tensor | null)[];

/**
 * One recorded operation. `inputs[i]` is the node that produced input i (an AccumulateGrad
 * node for a leaf), or null when input i does not need a gradient.
 *
 * Reference counted like PyTorch's shared_ptr graph: each tensor whose gradFn is this node,
 * and each node that lists it as an input, holds a reference. When the count reaches zero
 * the saved tensors are disposed and the inputs released, so an unreachable graph frees its
 * memory deterministically instead of waiting for the garbage collector.
 */
export class Node {
  refs = 0;
  /** Set once backward ran without retainGraph: saved tensors are gone. */
  released = false;
  /**
   * dtype of the recorded output: gradients arriving in another dtype (a float32 gradient
   * for a float16 output) are cast to it, as PyTorch's engine does (validate_outputs).
   */
  dtype: DType | null = null;
  constructor(
    readonly name: string,
    readonly inputs: readonly (Node | null)[],
    readonly saved: Tensor[],
    readonly backwardFn: BackwardFn | null,
    /** For AccumulateGrad nodes: the leaf that receives the gradient. */
    readonly leaf: Tensor | null = null,
  ) {
    for (const input of inputs) if (input) input.refs++;
  }

  releaseSaved(): void {
    if (this.released) return;
    this.released = true;
    for (const t of this.saved) t.dispose();
    this.saved.length = 0;
  }

  decRef(): void {
    if (--this.refs > 0) return;
    this.releaseSaved();
    for (const input of this.inputs) input?.decRef();
  }
}

/** True when an op on these inputs must be recorded. */
export function needsGrad(...inputs: (Tensor | number | boolean | null | undefined)[]): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (typeof t === 'object' && t !== null && t.requiresGrad) return true;
  return false;
}

/**
 * Record `out = op(inputs)` for autograd. `save` lists tensors the backward needs: they are
 * kept alive through internal aliases, so the caller (or tidy) may dispose the originals.
 */
export function attach(
  out: Tensor,
  name: string,
  inputs: readonly (Tensor | null | undefined)[],
  save: readonly Tensor[],
  backwardFn: BackwardFn,
): Tensor {
  if (!needsGrad(...inputs)) return out;
  const edges = inputs.map((t) => (t?.requiresGrad ? t._gradEdge() : null));
  const node = new Node(
    name,
    edges,
    save.map((t) => t._alias()),
    backwardFn,
  );
  node.dtype = out.dtype;
  out._setNode(node);
  return out;
}
