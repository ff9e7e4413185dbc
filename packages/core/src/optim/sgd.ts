/** torch.optim.SGD (PyTorch 1.13 single-tensor update), with momentum, dampening and Nesterov. */

import { zerosLike } from '../ops/creation.js';
import { clone } from '../ops/view.js';
import type { Tensor } from '../tensor/tensor.js';
import { direction, fusedUpdate, type UpdateBody } from './fused-update.js';
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
 * The composed update below as one program. Params: lr, wd, momentum, 1 - dampening. On the
 * first momentum step the buffer becomes the direction itself, as in PyTorch.
 */
function sgdBody(
  maximize: boolean,
  decay: boolean,
  momentum: boolean,
  first: boolean,
  nesterov: boolean,
): UpdateBody {
  return (b, i) => {
    let d = direction(b, i, maximize, decay ? b.param(1) : null);
    const states: number[] = [];
    if (momentum) {
      const buf = first ? d : b.add(b.mul(i.states[0], b.param(2)), b.mul(d, b.param(3)));
      states.push(buf);
      d = nesterov ? b.add(d, b.mul(buf, b.param(2))) : buf;
    }
    return { p: b.sub(i.p, b.mul(d, b.param(0))), states };
  };
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
    if (this.fusedStep(p, grad, state, g)) return;
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

  /** The update as one expression kernel, where the backend has one; false otherwise. */
  private fusedStep(p: Tensor, grad: Tensor, state: ParamState, g: ParamGroup<SGDOptions>): boolean {
    const momentum = g.momentum !== 0;
    const existing = state.momentumBuffer as Tensor | undefined;
    const first = momentum && !existing;
    const flags = [
      g.maximize && 'max',
      g.weightDecay !== 0 && 'wd',
      momentum && 'mom',
      first && '0',
      g.nesterov && 'nes',
    ];
    const on = flags.filter(Boolean).join(',');
    const key = on ? `sgd:${on}` : 'sgd';
    const body = sgdBody(g.maximize, g.weightDecay !== 0, momentum, first, g.nesterov);
    const fresh = first && p.dtype === 'float32' ? zerosLike(p, { dtype: 'float32' }) : null;
    const states = momentum ? [existing ?? (fresh as Tensor)] : [];
    const params = [g.lr, g.weightDecay, g.momentum, 1 - g.dampening];
    if (!fusedUpdate(key, body, p, grad, states, params)) {
      fresh?.dispose();
      return false;
    }
    if (fresh) this.stateTensor(state, 'momentumBuffer', () => fresh);
    return true;
  }
}
