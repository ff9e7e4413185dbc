/** torch.optim.SGD (PyTorch 1.13 single-tensor update), with momentum, dampening and Nesterov. */
import { clone } from '../ops/view.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  assignParam,
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
} from './optimizer.js';

/** Options of {@link SGD}; each may be given per parameter group. */
export interface SGDOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Dampening of the momentum (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (default false; needs momentum and zero dampening). */
  nesterov: boolean;
  /** Maximise the objective instead of minimising (default false). */
  maximize: boolean;
}

/**
 * Stochastic gradient descent with optional momentum, dampening and Nesterov (torch.optim.SGD). Throws on
 * negative lr, momentum or weightDecay.
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput>, opts: Partial<SGDOptions> = {}) {
    const o: SGDOptions = {
      lr: opts.lr ?? 1e-3,
      momentum: opts.momentum ?? 0,
      dampening: opts.dampening ?? 0,
      weightDecay: opts.weightDecay ?? 0,
      nesterov: opts.nesterov ?? false,
      maximize: opts.maximize ?? false,
    };
    if (o.lr < 0) throw new RangeError(`SGD: invalid learning rate: ${o.lr}`);
    if (o.momentum < 0) throw new RangeError(`SGD: invalid momentum value: ${o.momentum}`);
    if (o.weightDecay < 0) throw new RangeError(`SGD: invalid weightDecay value: ${o.weightDecay}`);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new RangeError('SGD: Nesterov momentum requires a momentum and zero dampening');
    }
    super(params, o);
  }

  protected updateParam(p: Tensor, grad: Tensor, state: ParamState, g: ParamGroup<SGDOptions>): void {
    let d = g.maximize ? grad.neg() : grad;
    if (g.weightDecay !== 0) d = d.add(p.mul(g.weightDecay));
    if (g.momentum !== 0) {
      const existing = state.momentumBuffer as Tensor | undefined;
      let buf: Tensor;
      if (!existing) {
        // The first step's buffer is the gradient itself (no dampening), as in PyTorch.
        const first = clone(d);
        buf = this.stateTensor(state, 'momentumBuffer', () => first);
      } else {
        buf = existing;
        buf._assign(buf.mul(g.momentum).add(d.mul(1 - g.dampening)));
      }
      d = g.nesterov ? d.add(buf.mul(g.momentum)) : buf;
    }
    assignParam(p, p.sub(d.mul(g.lr)));
  }
}
