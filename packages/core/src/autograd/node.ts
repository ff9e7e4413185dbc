import type { DType } from '../backend/contract.js';
import type { Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from './grad-mode.js';

/**
 * Computes the gradients of a node's inputs from the gradient of its output. With createGraph
 * it also gets the node's input edges, for a formula that must wire a kernel's intermediate
 * back into the graph ({@link attachTo}).
 */
export type BackwardFn = (
  grad: Tensor,
  saved: readonly Tensor[],
  edges?: readonly (Node | null)[],
) => (Tensor | null)[];

/** Marks a saved tensor that is the node's own output (its edge is the node itself). */
const SELF: unique symbol = Symbol('self');

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
   * Where each saved tensor came from in the graph (PyTorch's SavedVariable keeps its grad_fn):
   * a backward with createGraph hands the formula saved tensors wired to these edges, so the
   * gradient it returns is differentiable with respect to them. The node itself when the saved
   * tensor is its output (not counted: that would be a cycle); null for a constant.
   */
  readonly savedEdges: (Node | null)[];
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
    savedEdges: readonly (Node | null | typeof SELF)[] = [],
    /**
     * False when the formula is not itself differentiable (it runs a raw kernel): a backward
     * with createGraph then records a node that refuses a second backward, naming this op.
     */
    readonly twice = true,
  ) {
    for (const input of inputs) if (input) input.refs++;
    this.savedEdges = savedEdges.map((e) => (e === SELF ? this : e));
    for (const e of this.savedEdges) if (e && e !== this) e.refs++;
  }

  releaseSaved(): void {
    if (this.released) return;
    this.released = true;
    for (const t of this.saved) t.dispose();
    this.saved.length = 0;
    for (const e of this.savedEdges) if (e && e !== this) e.decRef();
    this.savedEdges.length = 0;
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

/** Options of {@link attach}. */
export interface AttachOptions {
  /**
   * Set false when `backwardFn` is not differentiable (it calls raw kernels on float data):
   * a second backward through its gradient is then an error naming the op, never a silent zero.
   */
  twice?: boolean;
}

/**
 * Record `out = op(inputs)` for autograd. `save` lists tensors the backward needs: they are
 * kept alive through internal aliases, so the caller (or tidy) may dispose the originals.
 * Each saved tensor also keeps its place in the graph (its gradFn, or `out` itself), so a
 * backward with createGraph differentiates through it: a saved float tensor must therefore be
 * an input, `out`, a tensor computed from them with recorded ops, or a true constant.
 */
export function attach(
  out: Tensor,
  name: string,
  inputs: readonly (Tensor | null | undefined)[],
  save: readonly Tensor[],
  backwardFn: BackwardFn,
  opts: AttachOptions = {},
): Tensor {
  if (!needsGrad(...inputs)) return out;
  const edges = inputs.map((t) => (t?.requiresGrad ? t._gradEdge() : null));
  return attachTo(out, name, edges, save, backwardFn, opts);
}

/**
 * @internal Record `out` as computed from the graph positions `edges` (rather than from
 * tensors, as {@link attach}): for a fused kernel's saved intermediate (LSTM gates), wired
 * back into the graph during a createGraph backward so its formula differentiates through it.
 */
export function attachTo(
  out: Tensor,
  name: string,
  edges: readonly (Node | null)[],
  save: readonly Tensor[],
  backwardFn: BackwardFn,
  opts: AttachOptions = {},
): Tensor {
  if (!edges.some((e) => e)) return out;
  const savedEdges = save.map((t) => (t === out ? SELF : t.requiresGrad ? t._gradEdge() : null));
  const node = new Node(
    name,
    edges,
    save.map((t) => t._alias()),
    backwardFn,
    null,
    savedEdges,
    opts.twice ?? true,
  );
  node.dtype = out.dtype;
  out._setNode(node);
  return out;
}

/**
 * @internal A handle on `t`'s memory that carries `edge` as its gradFn (or none). Tracked by
 * the open tidy scope like an op's result, so a backward's temporaries are freed with it.
 */
export function wired(t: Tensor, edge: Node | null): Tensor {
  const a = t._alias(true);
  if (edge) a._setNode(edge);
  return a;
}

/** @internal A new handle on `t` in the same place of the graph (an alias keeping its gradFn). */
export function sameHandle(t: Tensor): Tensor {
  return wired(t, t.requiresGrad ? t._gradEdge() : null);
}
