/** torch.optim.Adagrad (PyTorch 1.13 single-tensor update, dense gradients). */
import { fullLike } from '../ops/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { direction, fusedUpdate, type UpdateBody } from './fused-update.js';
import {
  assignParam,
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
} from './optimizer.js';

/** Options of {@link Adagrad}; each may be given per parameter group. */
export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Learning-rate decay per step (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Starting value of the squared-gradient sum (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator (default 1e-10). */
  eps: number;
  /** Maximise the objective instead of minimising (default false). */
  maximize: boolean;
}

/** The composed update below as one program. Params: this step's lr, wd, eps. State: sum. */
function adagradBody(maximize: boolean, decay: boolean): UpdateBody {
  return (b, i) => {
    const d = direction(b, i, maximize, decay ? b.param(1) : null);
    const sum = b.add(i.states[0], b.mul(d, d));
    const std = b.add(b.unary('sqrt', sum), b.param(2));
    return { p: b.sub(i.p, b.mul(b.div(d, std), b.param(0))), states: [sum] };
  };
}

/**
 * Adagrad (torch.optim.Adagrad, dense gradients): per-element learning rates scaled by the root of the
 * summed squared gradients.
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput>, opts: Partial<AdagradOptions> = {}) {
    const o: AdagradOptions = {
      lr: opts.lr ?? 1e-2,
      lrDecay: opts.lrDecay ?? 0,
      weightDecay: opts.weightDecay ?? 0,
      initialAccumulatorValue: opts.initialAccumulatorValue ?? 0,
      eps: opts.eps ?? 1e-10,
      maximize: opts.maximize ?? false,
    };
    if (o.lr < 0) throw new RangeError(`Adagrad: invalid learning rate: ${o.lr}`);
    if (o.lrDecay < 0) throw new RangeError(`Adagrad: invalid lrDecay value: ${o.lrDecay}`);
    if (o.weightDecay < 0) throw new RangeError(`Adagrad: invalid weightDecay value: ${o.weightDecay}`);
    if (o.initialAccumulatorValue < 0) {
      throw new RangeError(`Adagrad: invalid initialAccumulatorValue value: ${o.initialAccumulatorValue}`);
    }
    if (o.eps < 0) throw new RangeError(`Adagrad: invalid epsilon value: ${o.eps}`);
    super(params, o);
  }

  protected updateParam(p: Tensor, grad: Tensor, state: ParamState, g: ParamGroup<AdagradOptions>): void {
    // PyTorch creates 'sum' when the optimizer is built, from the group's initial value.
    const sum = this.stateTensor(state, 'sum', () =>
      fullLike(p, g.initialAccumulatorValue, { dtype: 'float32' }),
    );
    const step = ((state.step as number | undefined) ?? 0) + 1;
    state.step = step;
    let d = g.maximize ? grad.neg() : grad;
    if (g.weightDecay !== 0) d = d.add(p.mul(g.weightDecay));
    const clr = g.lr / (1 + (step - 1) * g.lrDecay);
    const decay = g.weightDecay !== 0;
    const flags = `${g.maximize ? 'max' : ''}${decay ? 'wd' : ''}`;
    const key = flags ? `adagrad:${flags}` : 'adagrad';
    if (fusedUpdate(key, adagradBody(g.maximize, decay), p, grad, [sum], [clr, g.weightDecay, g.eps])) return;
    sum._assign(sum.add(d.mul(d)));
    const std = sum.sqrt().add(g.eps);
    assignParam(p, p.sub(d.div(std).mul(clr)));
  }
}
