import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { noGrad } from './grad-mode.js';

/** Options of {@link gradcheck}. */
export interface GradcheckOptions {
  /** Finite-difference step. float32 arithmetic needs a larger one than PyTorch's 1e-6. */
  eps?: number;
  /** Absolute tolerance. */
  atol?: number;
  /** Relative tolerance. */
  rtol?: number;
}

/** Outcome of {@link gradcheck}. */
export interface GradcheckResult {
  /** True when every analytic gradient matched its finite difference within tolerance. */
  ok: boolean;
  /** Largest |analytic - numeric| - (atol + rtol * |numeric|) seen; <= 0 when ok. */
  worst: number;
  /** A description of the worst mismatch (input, element, both values), or of success. */
  message: string;
}

/**
 * Compare autograd's gradient of sum(fn(...inputs)) with central finite differences, for
 * every input that requires grad. Asynchronous (it reads values back with `await data()`),
 * so it runs on every backend, GPUs included.
 */
export async function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: GradcheckOptions = {},
): Promise<GradcheckResult> {
  return checkGradients(fn, inputs, opts, false);
}

/**
 * @internal gradcheck's body. `differentiable`: fn itself differentiates (gradgradcheck), so
 * the perturbed copies require grad and fn runs with grad mode on at every evaluation.
 */
export async function checkGradients(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: GradcheckOptions,
  differentiable: boolean,
): Promise<GradcheckResult> {
  const eps = opts.eps ?? 1e-3;
  const atol = opts.atol ?? 1e-2;
  const rtol = opts.rtol ?? 1e-2;
  for (const x of inputs) x.grad = null;
  tidy(() =>
    fn(...inputs)
      .sum()
      .backward(),
  );
  const analytic = await Promise.all(
    inputs.map(async (x) =>
      x.requiresGrad ? (x.grad ? await x.grad.data() : new Float32Array(x.size)) : null,
    ),
  );
  const evalAt = async (which: number, values: Float32Array): Promise<number> => {
    const run = () =>
      tidy(() => {
        const args = inputs.map((x, i) => {
          if (i !== which) return x;
          const t = x.contiguousCopy();
          t.backend.write(t._storage.buffer, 'float32', values);
          return differentiable ? t.requiresGrad_() : t;
        });
        return fn(...args)
          .sum()
          .detach();
      });
    const out = differentiable ? run() : noGrad(run);
    const v = (await out.data())[0];
    out.dispose();
    return v;
  };
  let worst = Number.NEGATIVE_INFINITY;
  let message = 'ok';
  for (let i = 0; i < inputs.length; i++) {
    const a = analytic[i];
    if (!a) continue;
    const base = Float32Array.from(await inputs[i].data());
    for (let j = 0; j < base.length; j++) {
      const v = base[j];
      base[j] = v + eps;
      const plus = await evalAt(i, base);
      base[j] = v - eps;
      const minus = await evalAt(i, base);
      base[j] = v;
      const numeric = (plus - minus) / (2 * eps);
      const excess = Math.abs(a[j] - numeric) - (atol + rtol * Math.abs(numeric));
      if (excess > worst) {
        worst = excess;
        if (excess > 0) message = `input ${i} element ${j}: analytic ${a[j]} vs numeric ${numeric}`;
      }
    }
  }
  return { ok: worst <= 0, worst, message };
}
