import { manualSeed, randn } from '../ops/creation.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { grad } from './grad.js';
import { noGrad } from './grad-mode.js';
import { checkGradients, type GradcheckOptions, type GradcheckResult } from './gradcheck.js';

/** Options of {@link gradgradcheck}. */
export interface GradgradcheckOptions extends GradcheckOptions {
  /** Seed of the random gradient of fn's output (PyTorch draws `grad_outputs` at random too). Default 0. */
  seed?: number;
}

/**
 * The second-order twin of {@link gradcheck} (torch.autograd.gradgradcheck): checks that the
 * gradients of `fn` are themselves differentiated correctly. With a fixed random `v` of
 * fn's output shape, it gradchecks `(inputs..., v) -> sum over inputs of dL/dinput . u`
 * where L = sum(fn(inputs) * v), computed with `autograd.grad(..., { createGraph: true })`:
 * finite differences of a first derivative against its analytic derivative, in the inputs
 * and in `v` (the backward formulas must be differentiable in the incoming gradient too).
 * Asynchronous, so it runs on every backend.
 */
export async function gradgradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: GradgradcheckOptions = {},
): Promise<GradcheckResult> {
  const shape = noGrad(() => tidy(() => fn(...inputs).shape));
  const diff = inputs.filter((x) => x.requiresGrad);
  // Random weights on the output and on each first derivative, so no term cancels by
  // symmetry (a plain sum would hide a wrong off-diagonal second derivative).
  manualSeed(opts.seed ?? 0);
  const v = randn(shape).requiresGrad_();
  const us = diff.map((x) => randn(x.shape));
  try {
    const first = (...args: Tensor[]): Tensor => {
      const xs = args.slice(0, inputs.length);
      const vv = args[inputs.length];
      const wanted = xs.filter((_, i) => inputs[i].requiresGrad);
      const gs = grad(
        fn(...xs)
          .mul(vv)
          .sum(),
        wanted,
        { createGraph: true, allowUnused: true },
      );
      let total: Tensor = vv.mul(0).sum();
      gs.forEach((g, i) => {
        if (g) total = total.add(g.mul(us[i]).sum());
      });
      return total;
    };
    return await checkGradients(first, [...inputs, v], opts, true);
  } finally {
    v.dispose();
    for (const u of us) u.dispose();
  }
}
