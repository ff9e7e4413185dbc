import { fmtShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { runPass } from './engine.js';

/** Options of {@link grad}. */
export interface GradOptions {
  /**
   * The gradient of each output (PyTorch's `grad_outputs`), same shapes; omitted (or an
   * undefined entry): ones, allowed for one-element outputs only.
   */
  gradOutputs?: Tensor | readonly (Tensor | undefined)[];
  /** Keep the graph's saved tensors for another backward. Default: `createGraph`. */
  retainGraph?: boolean;
  /**
   * Record the gradient computation itself, so the returned gradients can be differentiated
   * again (gradient penalties, Hessian-vector products, MAML). Default false.
   */
  createGraph?: boolean;
  /**
   * Return null for an input the outputs do not depend on, instead of throwing. Default false.
   */
  allowUnused?: boolean;
}

/** Options of {@link Tensor.backward}. */
export interface BackwardOptions {
  /** Keep the graph's saved tensors for another backward. Default: `createGraph`. */
  retainGraph?: boolean;
  /** Record the gradient computation, so the `.grad` it adds has a gradFn of its own. Default false. */
  createGraph?: boolean;
  /**
   * Accumulate only into these tensors' `.grad` (leaves, or any tensor of the graph);
   * every other leaf is left alone. Default: every leaf that requires grad.
   */
  inputs?: Tensor | readonly Tensor[];
}

const list = <T>(v: T | readonly T[]): readonly T[] => (Array.isArray(v) ? v : [v as T]);

function checkInputs(api: string, inputs: readonly Tensor[]): void {
  if (inputs.length === 0) throw new RangeError(`${api}: inputs must be a non-empty list of tensors`);
  inputs.forEach((t, i) => {
    t._check(api);
    if (!t.requiresGrad) {
      throw new Error(`${api}: input ${i} (shape ${fmtShape(t.shape)}) does not require grad`);
    }
  });
}

/**
 * The gradients of `outputs` with respect to `inputs` (torch.autograd.grad), returned in the
 * order of `inputs` without touching any `.grad`. With `createGraph` they carry a graph of
 * their own and can be differentiated again: double backward works through every op whose
 * backward PyTorch can differentiate.
 *
 * Throws when an input does not require grad, when an output is not part of a graph, and when
 * an input is not used by the outputs (unless `allowUnused`, which gives null for it).
 *
 * @example
 * ```ts
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * const y = x.pow(3).sum();
 * const [dx] = autograd.grad(y, x, { createGraph: true }); // 3 x^2
 * const [ddx] = autograd.grad(dx!.sum(), x);                // 6 x
 * ```
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  opts: GradOptions = {},
): (Tensor | null)[] {
  const outs = list(outputs);
  const ins = list(inputs);
  checkInputs('grad', ins);
  const seeds = opts.gradOutputs === undefined ? [] : list(opts.gradOutputs);
  if (seeds.length > 0 && seeds.length !== outs.length) {
    throw new RangeError(`grad: got ${outs.length} outputs but ${seeds.length} gradOutputs`);
  }
  const createGraph = opts.createGraph ?? false;
  const found = runPass({
    api: 'grad',
    roots: outs,
    seeds,
    retainGraph: opts.retainGraph ?? createGraph,
    createGraph,
    targets: ins,
    accumulate: false,
  });
  if (!opts.allowUnused) {
    const i = found.indexOf(null);
    if (i >= 0) {
      for (const g of found) g?.dispose();
      throw new Error(
        `grad: input ${i} (shape ${fmtShape(ins[i].shape)}) was not used in the graph of the outputs; ` +
          'pass { allowUnused: true } to get null for it',
      );
    }
  }
  return found;
}

/** @internal `tensor.backward(grad, options)`. */
export function backwardWith(root: Tensor, seed: Tensor | undefined, opts: BackwardOptions): void {
  const createGraph = opts.createGraph ?? false;
  const targets = opts.inputs === undefined ? null : list(opts.inputs);
  if (targets) checkInputs('backward', targets);
  runPass({
    api: 'backward',
    roots: [root],
    seeds: [seed],
    retainGraph: opts.retainGraph ?? createGraph,
    createGraph,
    targets,
    accumulate: true,
  });
}
