/** torch.optim.RMSprop (PyTorch 1.13 single-tensor update), optionally centered and with momentum. */
import { zerosLike } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { direction, fusedUpdate, type UpdateBody } from './fused-update.js';
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

/** The composed update below as one program. Params: lr, wd, alpha, 1 - alpha, eps, momentum. States: sq (, buf) (, gradAvg). */
function rmspropBody(maximize: boolean, decay: boolean, momentum: boolean, centered: boolean): UpdateBody {
  return (b, i) => {
    const P = (k: number) => b.param(k);
    const d = direction(b, i, maximize, decay ? P(1) : null);
    const [sq0, ...rest] = i.states;
    const buf0 = momentum ? rest.shift() : undefined;
    const ga0 = centered ? rest.shift() : undefined;
    const sq = b.add(b.mul(sq0, P(2)), b.mul(b.mul(d, d), P(3)));
    const states = [sq];
    let avg: number;
    let ga: number | null = null;
    if (ga0 !== undefined) {
      ga = b.add(b.mul(ga0, P(2)), b.mul(d, P(3)));
      avg = b.unary('sqrt', b.sub(sq, b.mul(ga, ga)));
    } else avg = b.unary('sqrt', sq);
    avg = b.add(avg, P(4));
    let p: number;
    if (buf0 !== undefined) {
      const buf = b.add(b.mul(buf0, P(5)), b.div(d, avg));
      states.push(buf);
      p = b.sub(i.p, b.mul(buf, P(0)));
    } else p = b.sub(i.p, b.mul(b.div(d, avg), P(0)));
    if (ga !== null) states.push(ga);
    return { p, states };
  };
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
    const decay = g.weightDecay !== 0;
    const flags = `${g.maximize ? 'max' : ''}${decay ? 'wd' : ''}${buf ? 'mom' : ''}${ga ? 'c' : ''}`;
    const key = flags ? `rmsprop:${flags}` : 'rmsprop';
    const states = [sq, ...(buf ? [buf] : []), ...(ga ? [ga] : [])];
    const params = [g.lr, g.weightDecay, g.alpha, 1 - g.alpha, g.eps, g.momentum];
    const body = rmspropBody(g.maximize, decay, buf !== null, ga !== null);
    if (fusedUpdate(key, body, p, grad, states, params)) return;
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
