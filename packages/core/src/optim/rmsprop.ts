/** torch.optim.RMSprop (PyTorch 1.13 single-tensor update), optionally centered and with momentum. */
import { zerosLike } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  assignParam,
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
} from './optimizer.js';

/** Options of {@link RMSprop}; each may be given per parameter group. */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha: number;
  /** Added to the denominator (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Normalise by the estimated variance instead of the second moment (default false). */
  centered: boolean;
  /** Maximise the objective instead of minimising (default false). */
  maximize: boolean;
}

/** RMSprop (torch.optim.RMSprop), optionally centered and with momentum. */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput>, opts: Partial<RMSpropOptions> = {}) {
    const o: RMSpropOptions = {
      lr: opts.lr ?? 1e-2,
      alpha: opts.alpha ?? 0.99,
      eps: opts.eps ?? 1e-8,
      weightDecay: opts.weightDecay ?? 0,
      momentum: opts.momentum ?? 0,
      centered: opts.centered ?? false,
      maximize: opts.maximize ?? false,
    };
    if (o.lr < 0) throw new RangeError(`RMSprop: invalid learning rate: ${o.lr}`);
    if (o.eps < 0) throw new RangeError(`RMSprop: invalid epsilon value: ${o.eps}`);
    if (o.momentum < 0) throw new RangeError(`RMSprop: invalid momentum value: ${o.momentum}`);
    if (o.alpha < 0) throw new RangeError(`RMSprop: invalid alpha value: ${o.alpha}`);
    if (o.weightDecay < 0) throw new RangeError(`RMSprop: invalid weightDecay value: ${o.weightDecay}`);
    super(params, o);
  }

  protected updateParam(p: Tensor, grad: Tensor, state: ParamState, g: ParamGroup<RMSpropOptions>): void {
    const zeros = () => zerosLike(p, { dtype: 'float32' });
    const sq = this.stateTensor(state, 'squareAvg', zeros);
    const buf = g.momentum > 0 ? this.stateTensor(state, 'momentumBuffer', zeros) : null;
    const ga = g.centered ? this.stateTensor(state, 'gradAvg', zeros) : null;
    state.step = ((state.step as number | undefined) ?? 0) + 1;
    let d = g.maximize ? grad.neg() : grad;
    if (g.weightDecay !== 0) d = d.add(p.mul(g.weightDecay));
    sq._assign(sq.mul(g.alpha).add(d.mul(d).mul(1 - g.alpha)));
    let avg: Tensor;
    if (ga) {
      ga._assign(ga.mul(g.alpha).add(d.mul(1 - g.alpha)));
      avg = sq.sub(ga.mul(ga)).sqrt();
    } else avg = sq.sqrt();
    avg = avg.add(g.eps);
    if (buf) {
      buf._assign(buf.mul(g.momentum).add(d.div(avg)));
      assignParam(p, p.sub(buf.mul(g.lr)));
    } else assignParam(p, p.sub(d.div(avg).mul(g.lr)));
  }
}
