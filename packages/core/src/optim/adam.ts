/**
 * torch.optim.Adam and AdamW (PyTorch 1.13 single-tensor update): one expression kernel per
 * parameter where the backend runs expressions, else composed from primitives.
 */

import { zerosLike } from '../ops/creation.js';
import { maximum } from '../ops/elementwise.js';
import type { Tensor } from '../tensor/tensor.js';
import { direction, fusedUpdate, type UpdateBody } from './fused-update.js';
import {
  assignParam,
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
} from './optimizer.js';

/** Options of {@link Adam} and {@link AdamW}; each may be given per parameter group. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the gradient's running average and of its square (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /**
   * Weight decay: an L2 term added to the gradient for Adam (default 0), decoupled shrinking for AdamW
   * (default 1e-2).
   */
  weightDecay: number;
  /** Use the maximum of past squared-gradient averages (AMSGrad; default false). */
  amsgrad: boolean;
  /** Maximise the objective instead of minimising (default false). */
  maximize: boolean;
}

function adamDefaults(name: string, opts: Partial<AdamOptions>, weightDecay: number): AdamOptions {
  const o: AdamOptions = {
    lr: opts.lr ?? 1e-3,
    betas: opts.betas ? [opts.betas[0], opts.betas[1]] : [0.9, 0.999],
    eps: opts.eps ?? 1e-8,
    weightDecay: opts.weightDecay ?? weightDecay,
    amsgrad: opts.amsgrad ?? false,
    maximize: opts.maximize ?? false,
  };
  if (o.lr < 0) throw new RangeError(`${name}: invalid learning rate: ${o.lr}`);
  if (o.eps < 0) throw new RangeError(`${name}: invalid epsilon value: ${o.eps}`);
  for (const [i, b] of o.betas.entries()) {
    if (!(b >= 0 && b < 1)) throw new RangeError(`${name}: invalid beta parameter at index ${i}: ${b}`);
  }
  if (o.weightDecay < 0) throw new RangeError(`${name}: invalid weightDecay value: ${o.weightDecay}`);
  return o;
}

/**
 * The update of the composed path below as one program. Params: beta1, 1 - beta1, beta2,
 * 1 - beta2, the weight-decay factor (1 - lr * wd decoupled, wd otherwise), sqrt(1 - beta2^t),
 * eps, lr / (1 - beta1^t). States: m, v (, vmax).
 */
function adamBody(maximize: boolean, decoupled: boolean, decay: boolean, amsgrad: boolean): UpdateBody {
  return (b, i) => {
    const P = (k: number) => b.param(k);
    const d = direction(b, i, maximize, decay && !decoupled ? P(4) : null);
    const param = decay && decoupled ? b.mul(i.p, P(4)) : i.p;
    const [m0, v0, vmax0] = i.states;
    const m = b.add(b.mul(m0, P(0)), b.mul(d, P(1)));
    const v = b.add(b.mul(v0, P(2)), b.mul(b.mul(d, d), P(3)));
    const vmax = amsgrad ? b.binary('maximum', vmax0, v) : null;
    const denom = b.add(b.div(b.unary('sqrt', vmax ?? v), P(5)), P(6));
    const p = b.sub(param, b.mul(b.div(m, denom), P(7)));
    return { p, states: vmax === null ? [m, v] : [m, v, vmax] };
  };
}

abstract class AdamBase extends Optimizer<AdamOptions> {
  protected abstract readonly decoupled: boolean;

  protected updateParam(p: Tensor, grad: Tensor, state: ParamState, g: ParamGroup<AdamOptions>): void {
    const m = this.stateTensor(state, 'expAvg', () => zerosLike(p, { dtype: 'float32' }));
    const v = this.stateTensor(state, 'expAvgSq', () => zerosLike(p, { dtype: 'float32' }));
    const vmax = g.amsgrad
      ? this.stateTensor(state, 'maxExpAvgSq', () => zerosLike(p, { dtype: 'float32' }))
      : null;
    const step = ((state.step as number | undefined) ?? 0) + 1;
    state.step = step;
    const [beta1, beta2] = g.betas;
    const bc1 = 1 - beta1 ** step;
    const bc2 = 1 - beta2 ** step;
    const decay = g.weightDecay !== 0;
    const flags = `${g.maximize ? 'max' : ''}${this.decoupled ? 'W' : ''}${decay ? 'wd' : ''}${vmax ? 'ams' : ''}`;
    const params = [
      beta1,
      1 - beta1,
      beta2,
      1 - beta2,
      this.decoupled ? 1 - g.lr * g.weightDecay : g.weightDecay,
      Math.sqrt(bc2),
      g.eps,
      g.lr / bc1,
    ];
    const states = vmax ? [m, v, vmax] : [m, v];
    const body = adamBody(g.maximize, this.decoupled, decay, vmax !== null);
    if (fusedUpdate(flags ? `adam:${flags}` : 'adam', body, p, grad, states, params)) return;
    let d = g.maximize ? grad.neg() : grad;
    let param = p;
    if (this.decoupled) param = p.mul(1 - g.lr * g.weightDecay);
    else if (g.weightDecay !== 0) d = d.add(p.mul(g.weightDecay));
    m._assign(m.mul(beta1).add(d.mul(1 - beta1)));
    v._assign(v.mul(beta2).add(d.mul(d).mul(1 - beta2)));
    let second = v;
    if (vmax) {
      vmax._assign(maximum(vmax, v));
      second = vmax;
    }
    const denom = second.sqrt().div(Math.sqrt(bc2)).add(g.eps);
    assignParam(p, param.sub(m.div(denom).mul(g.lr / bc1)));
  }
}

/**
 * Adam (torch.optim.Adam, PyTorch 1.13's update), as one expression kernel per parameter when the
 * backend runs expressions.
 * Throws on a negative lr or eps, or betas outside [0, 1).
 *
 * @example
 * ```ts
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.99] });
 * tidy(() => {
 *   opt.zeroGrad();
 *   lossFn.forward(model.forward(x), y).backward();
 *   opt.step();
 * });
 * // Per-group options: a smaller lr for the backbone.
 * new optim.Adam([{ params: backbone.parameters(), lr: 1e-4 }, { params: head.parameters() }], { lr: 1e-3 });
 * ```
 */
export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput>, opts: Partial<AdamOptions> = {}) {
    super(params, adamDefaults('Adam', opts, 0));
  }
}

/** Adam with decoupled weight decay (default 1e-2): param *= 1 - lr * weightDecay first. */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput>, opts: Partial<AdamOptions> = {}) {
    super(params, adamDefaults('AdamW', opts, 1e-2));
  }
}
