/**
 * Fixture ops of family autograd-higher (tooling/fixtures/higher_order.py): first derivatives
 * taken with `autograd.grad(..., { createGraph: true })`, whose gradients the runner then
 * checks, so every case compares second derivatives with PyTorch's.
 */
import * as L from '@layers/core';
import type { FixtureCase } from '../fixtures.js';
import type { Arg, OpFn } from '../ops.js';
import type { Tolerance } from '../tolerances.js';

type Attrs = Record<string, any>;
const T = (a: Arg): L.Tensor => a as L.Tensor;
const tensorsOf = (args: Arg[]): L.Tensor[] =>
  args.flatMap((a) => (a instanceof L.Tensor ? [a] : Array.isArray(a) ? a : []));

/** Prefix of the derived cases: `grad2.<op>` differentiates fixture op `<op>` twice. */
export const GRAD2 = 'grad2.';

/**
 * `grad2.<op>`: the inputs are the inner case's, then one gradient per differentiable output
 * (requiring grad, so the second derivative in the incoming gradient is checked too). Returns
 * the first derivative with respect to every input that requires grad (zeros where unused).
 */
export function grad2(inner: OpFn): OpFn {
  return (args, at) => {
    const xs = args.slice(0, at.nInputs);
    const gos = args.slice(at.nInputs).map(T);
    const raw = inner(xs, at.attrs);
    if (raw instanceof Promise)
      throw new TypeError('grad2: the inner op is asynchronous (data-dependent output size)');
    const outs = Array.isArray(raw) ? raw : [raw];
    const wrt = tensorsOf(xs).filter((t) => t.requiresGrad);
    const roots = (at.gradOutFor as number[]).map((i) => outs[i]);
    const gs = L.autograd.grad(roots, wrt, { gradOutputs: gos, createGraph: true, allowUnused: true });
    return gs.map((g, i) => g ?? L.zeros(wrt[i].shape));
  };
}

/**
 * The runner's backward through a `grad2.` case refused by core (a formula with no
 * differentiable form yet, e.g. the backend's fused LSTM cell): a gap in core's second
 * derivatives, reported as `missing API` with core's message, not as the backend's failure.
 */
export const NOT_TWICE = /the derivative of \S+'s backward is not implemented/;

/** The inner case of a `grad2.` case, as far as the accumulation estimate needs it. */
export function innerCase(c: FixtureCase): FixtureCase {
  const outs = (c.attrs.outShapes as number[][]).map((shape) => ({
    shape,
    dtype: 'float32' as const,
    data: [],
  }));
  return {
    ...c,
    op: c.attrs.op,
    inputs: c.inputs.slice(0, c.attrs.nInputs),
    out: outs,
    attrs: c.attrs.attrs,
  };
}

/**
 * A second derivative chains the formulas of two backward passes: twice the roundings of the
 * inner op's gradient, each scaled by the magnitudes of both passes.
 */
export function secondOrder(first: Tolerance): Tolerance {
  // Even an exact op's second derivative in its incoming gradient sums (trace, expand): at
  // least one rounding per accumulated term.
  return { atol: 4 * first.atol, rtol: Math.max(4 * first.rtol, EPS), perK: true };
}

const EPS = 1.1920928955078125e-7; // float32 machine epsilon, 2^-23

const mlpLoss = (x: L.Tensor, y: L.Tensor, [w1, b1, w2, b2]: L.Tensor[]): L.Tensor =>
  L.F.mseLoss(L.F.linear(L.F.linear(x, w1, b1).tanh(), w2, b2), y);

const ACTS: Record<string, (t: L.Tensor) => L.Tensor> = {
  gelu: (t) => L.F.gelu(t),
  softplus: (t) => L.F.softplus(t),
  tanh: (t) => L.F.tanh(t),
};

function critic(x: L.Tensor, [w1, b1, cw, cb, lnW, lnB, w2, b2]: L.Tensor[], act: string): L.Tensor {
  let h = L.F.conv2d(x, cw, cb, { padding: 1 }).tanh();
  h = L.F.linear(h.flatten(1), w1, b1);
  h = L.F.layerNorm(h, [h.shape[1]], { weight: lnW, bias: lnB, eps: 1e-5 });
  return L.F.linear(ACTS[act](h), w2, b2);
}

export const HIGHER_ORDER_OPS: Record<string, OpFn> = {
  // WGAN-GP: mean((||d critic / d x|| - 1)^2), backpropagated into every weight.
  gradPenalty: (a, at: Attrs) => {
    const [x, ...params] = a.map(T);
    const [g] = L.autograd.grad(critic(x, params, at.act).sum(), x, { createGraph: true });
    return g!.flatten(1).norm(2, 1).sub(1).square().mean();
  },
  // Hessian-vector product of an MLP loss: d/dθ (dL/dθ · v).
  hvp: (a) => {
    const [x, y, ...rest] = a.map(T);
    const params = rest.slice(0, 4);
    const vs = rest.slice(4);
    const gs = L.autograd.grad(mlpLoss(x, y, params), params, { createGraph: true });
    let dot = gs[0]!.mul(vs[0]).sum();
    for (let i = 1; i < 4; i++) dot = dot.add(gs[i]!.mul(vs[i]).sum());
    return L.autograd.grad(dot, params, { createGraph: true }) as L.Tensor[];
  },
  // MAML: the query loss after one inner SGD step (lr 0.1), differentiated through the step.
  maml: (a) => {
    const [xs, ys, xq, yq, ...params] = a.map(T);
    const gs = L.autograd.grad(mlpLoss(xs, ys, params), params, { createGraph: true });
    const fast = params.map((p, i) => p.sub(gs[i]!.mul(0.1)));
    return mlpLoss(xq, yq, fast);
  },
};

/**
 * The scenarios chain a forward and two backward passes through four to six layers (their
 * matmuls are short: K <= 60): a few float32 roundings per layer and pass, compounded; the
 * same class as the composite autograd fixtures' GRAD_CHAIN, twice over.
 */
const SCENARIO: Tolerance = { atol: 2e-6, rtol: 32 * EPS };
export const HIGHER_ORDER_TOLERANCES: Record<string, { float32: Tolerance; grad: Tolerance }> = {
  gradPenalty: { float32: SCENARIO, grad: SCENARIO },
  hvp: { float32: SCENARIO, grad: SCENARIO },
  maml: { float32: SCENARIO, grad: SCENARIO },
};
