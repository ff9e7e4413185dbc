import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { noGrad } from './grad-mode.js';

export interface GradcheckOptions {
  /** Finite-difference step. float32 arithmetic needs a larger one than PyTorch's 1e-6. */
  eps?: number;
  atol?: number;
  rtol?: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytic - numeric| - (atol + rtol * |numeric|) seen; <= 0 when ok. */
  worst: number;
  message: string;
}

/**
 * Compare autograd's gradient of sum(fn(...inputs)) with central finite differences, for
 * every input that requires grad. Reads values synchronously, so it needs a backend with
 * readSync (tests run it on the CPU and WASM backends) and rebuilds inputs from values.
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: GradcheckOptions = {},
): GradcheckResult {
  const eps = opts.eps ?? 1e-3;
  const atol = opts.atol ?? 1e-2;
  const rtol = opts.rtol ?? 1e-2;
  const analytic = tidy(() => {
    for (const x of inputs) x.grad = null;
    fn(...inputs)
      .sum()
      .backward();
    return inputs.map((x) => (x.requiresGrad ? (x.grad?.dataSync() ?? new Float32Array(x.size)) : null));
  });
  let worst = Number.NEGATIVE_INFINITY;
  let message = 'ok';
  const evalAt = (which: number, values: Float32Array): number =>
    noGrad(() =>
      tidy(() => {
        const args = inputs.map((x, i) => {
          if (i !== which) return x;
          const t = x.contiguousCopy();
          t.backend.write(t._storage.buffer, 'float32', values);
          return t;
        });
        const out = fn(...args)
          .sum()
          .dataSync();
        return out[0];
      }),
    );
  inputs.forEach((x, i) => {
    const a = analytic[i];
    if (!a) return;
    const base = Float32Array.from(x.dataSync());
    for (let j = 0; j < base.length; j++) {
      const v = base[j];
      base[j] = v + eps;
      const plus = evalAt(i, base);
      base[j] = v - eps;
      const minus = evalAt(i, base);
      base[j] = v;
      const numeric = (plus - minus) / (2 * eps);
      const excess = Math.abs(a[j] - numeric) - (atol + rtol * Math.abs(numeric));
      if (excess > worst) {
        worst = excess;
        if (excess > 0) message = `input ${i} element ${j}: analytic ${a[j]} vs numeric ${numeric}`;
      }
    }
  });
  return { ok: worst <= 0, worst, message };
}
