/**
 * Loss modules (an exported loss is a graph computing it, e.g. for evaluation), written as
 * layers' formulas; NLLLoss and CrossEntropyLoss with class indices use ONNX's
 * NegativeLogLikelihoodLoss, which has PyTorch's weight / ignore_index / mean semantics.
 */
import { nn, type Tensor } from '@layers/core';
import { TensorDataType } from '../../proto/index.js';
import type { Graph, Value } from '../graph.js';
import { registerExporter } from '../registry.js';

function reduce(g: Graph, x: string, reduction: string): string {
  if (reduction === 'none') return x;
  return g.op(reduction === 'sum' ? 'ReduceSum' : 'ReduceMean', [x], { keepdims: 0 });
}

const names = (args: unknown[]) => args.map((a) => (a as Value).name);
const diff = (g: Graph, a: string, b: string) => g.op('Sub', [a, b]);
const absDiff = (g: Graph, a: string, b: string) => g.op('Abs', [diff(g, a, b)]);
const half = (g: Graph, x: string) => g.op('Mul', [x, g.scalar(0.5)]);

registerExporter(nn.MSELoss, (g, m, args) => {
  const [a, b] = names(args);
  const d = diff(g, a, b);
  return reduce(g, g.op('Mul', [d, d]), m.reduction);
});
registerExporter(nn.L1Loss, (g, m, args) => {
  const [a, b] = names(args);
  return reduce(g, absDiff(g, a, b), m.reduction);
});
registerExporter(nn.SmoothL1Loss, (g, m, args) => {
  const [a, b] = names(args);
  const d = absDiff(g, a, b);
  if (m.beta === 0) return reduce(g, d, m.reduction);
  const quad = g.op('Div', [half(g, g.op('Mul', [d, d])), g.scalar(m.beta)]);
  const lin = g.op('Sub', [d, g.scalar(0.5 * m.beta)]);
  return reduce(g, g.op('Where', [g.op('Less', [d, g.scalar(m.beta)]), quad, lin]), m.reduction);
});
registerExporter(nn.HuberLoss, (g, m, args) => {
  const [a, b] = names(args);
  const d = absDiff(g, a, b);
  const quad = half(g, g.op('Mul', [d, d]));
  const lin = g.op('Mul', [g.op('Sub', [d, g.scalar(0.5 * m.delta)]), g.scalar(m.delta)]);
  return reduce(g, g.op('Where', [g.op('Less', [d, g.scalar(m.delta)]), quad, lin]), m.reduction);
});

const weighted = (g: Graph, loss: string, w: Tensor | null) => (w ? g.op('Mul', [loss, g.param(w)]) : loss);

// -(y log x + (1 - y) log(1 - x)), logs clamped at -100 as PyTorch.
registerExporter(nn.BCELoss, (g, m, args) => {
  const [x, y] = names(args);
  const clampedLog = (v: string) => g.op('Max', [g.op('Log', [v]), g.scalar(-100)]);
  const oneMinus = (v: string) => g.op('Sub', [g.scalar(1), v]);
  const pos = g.op('Mul', [y, clampedLog(x)]);
  const neg = g.op('Mul', [oneMinus(y), clampedLog(oneMinus(x))]);
  return reduce(g, weighted(g, g.op('Neg', [g.op('Add', [pos, neg])]), m.weight), m.reduction);
});

// (1 - y) x + (1 + (pw - 1) y) softplus(-x), softplus(-x) = log(1 + exp(-|x|)) + max(-x, 0).
registerExporter(nn.BCEWithLogitsLoss, (g, m, args) => {
  const [x, y] = names(args);
  const negX = g.op('Neg', [x]);
  const sp = g.op('Add', [
    g.op('Log', [g.op('Add', [g.scalar(1), g.op('Exp', [g.op('Neg', [g.op('Abs', [x])])])])]),
    g.op('Relu', [negX]),
  ]);
  let lw = sp;
  if (m.pos_weight) {
    const pw1 = g.op('Sub', [g.param(m.pos_weight), g.scalar(1)]);
    lw = g.op('Mul', [g.op('Add', [g.scalar(1), g.op('Mul', [pw1, y])]), sp]);
  }
  const loss = g.op('Add', [g.op('Mul', [g.op('Sub', [g.scalar(1), y]), x]), lw]);
  return reduce(g, weighted(g, loss, m.weight), m.reduction);
});

function nll(g: Graph, m: nn.NLLLoss | nn.CrossEntropyLoss, logp: string, target: Value): string {
  const inputs = [logp, target.name];
  if (m.weight) inputs.push(g.param(m.weight));
  return g.op('NegativeLogLikelihoodLoss', inputs, { reduction: m.reduction, ignore_index: m.ignoreIndex });
}

function batched(g: Graph, m: nn.Module, input: Value): void {
  if (input.rank < 2) {
    throw new Error(
      `exportModel: cannot export ${g.pathOf(m)} on a ${input.rank}-D (unbatched) input; give it a batch dim`,
    );
  }
}

registerExporter(nn.NLLLoss, (g, m, [input, target]) => {
  batched(g, m, input as Value);
  return nll(g, m, (input as Value).name, target as Value);
});

/** Sum over everything, or over the class dim (1) only. */
const sumAll = (g: Graph, x: string) => g.op('ReduceSum', [x], { keepdims: 0 });
const sumClasses = (g: Graph, x: string) => g.op('ReduceSum', [x, g.ints([1])], { keepdims: 0 });

// Class probabilities: -sum_c w_c t_c log p_c, smoothed towards uniform; 'mean' is over the
// batch elements (numel / C), as PyTorch.
function probabilityCE(g: Graph, m: nn.CrossEntropyLoss, x: Value, logp: string, target: string): string {
  const C = x.shape[1];
  const ls = m.labelSmoothing;
  const t = ls > 0 ? g.op('Add', [g.op('Mul', [target, g.scalar(1 - ls)]), g.scalar(ls / C)]) : target;
  let prod = g.op('Mul', [logp, t]);
  if (m.weight)
    prod = g.op('Mul', [prod, g.param(m.weight, { dims: [C, ...new Array(x.rank - 2).fill(1)] })]);
  if (m.reduction === 'none') return g.op('Neg', [sumClasses(g, prod)]);
  const total = g.op('Neg', [sumAll(g, prod)]);
  if (m.reduction === 'sum') return total;
  const numel = g.op('Cast', [g.op('ReduceProd', [g.op('Shape', [x.name])], { keepdims: 0 })], { to: 1 });
  return g.op('Div', [total, g.op('Div', [numel, g.scalar(C)])]);
}

// Label smoothing on class indices: (1 - ls) nll + ls / C * (-sum_c w_c log p_c), the second
// term 0 at ignored targets and normalised for 'mean' by the same total weight as nll.
function smoothedCE(g: Graph, m: nn.CrossEntropyLoss, x: Value, logp: string, target: Value): string {
  const C = x.shape[1];
  const ls = m.labelSmoothing;
  const base = nll(g, m, logp, target);
  const t64 = g.op('Cast', [target.name], { to: TensorDataType.INT64 });
  const ignored = g.op('Equal', [t64, g.ints([m.ignoreIndex], [])]);
  const weighted = m.weight
    ? g.op('Mul', [logp, g.param(m.weight, { dims: [C, ...new Array(x.rank - 2).fill(1)] })])
    : logp;
  const smooth = g.op('Where', [ignored, g.scalar(0), g.op('Neg', [sumClasses(g, weighted)])]);
  let s: string;
  if (m.reduction === 'none') s = smooth;
  else if (m.reduction === 'sum') s = sumAll(g, smooth);
  else {
    const safe = g.op('Where', [ignored, g.ints([0], []), t64]);
    const w = m.weight
      ? g.op('Gather', [g.param(m.weight), safe], { axis: 0 })
      : g.op('Cast', [safe], { to: 1 });
    const kept = g.op('Where', [ignored, g.scalar(0), m.weight ? w : g.scalar(1)]);
    s = g.op('Div', [sumAll(g, smooth), sumAll(g, kept)]);
  }
  return g.op('Add', [g.op('Mul', [base, g.scalar(1 - ls)]), g.op('Mul', [s, g.scalar(ls / C)])]);
}

registerExporter(nn.CrossEntropyLoss, (g, m, [iv, tv]) => {
  const input = iv as Value;
  const target = tv as Value;
  batched(g, m, input);
  const logp = g.op('LogSoftmax', [input.name], { axis: 1 });
  if (target.dtype === 'float32') return probabilityCE(g, m, input, logp, target.name);
  if (m.labelSmoothing !== 0) return smoothedCE(g, m, input, logp, target);
  return nll(g, m, logp, target);
});

registerExporter(nn.KLDivLoss, (g, m, [iv, tv]) => {
  const x = (iv as Value).name;
  const t = (tv as Value).name;
  let loss: string;
  if (m.logTarget) loss = g.op('Mul', [g.op('Exp', [t]), diff(g, t, x)]);
  else {
    // xlogy(t, t): exactly 0 where t == 0.
    const safe = g.op('Where', [g.op('Equal', [t, g.scalar(0)]), g.scalar(1), t]);
    loss = g.op('Sub', [g.op('Mul', [t, g.op('Log', [safe])]), g.op('Mul', [t, x])]);
  }
  if (m.reduction !== 'batchmean') return reduce(g, loss, m.reduction);
  const iVal = iv as Value;
  const n =
    iVal.rank === 0
      ? g.scalar(1)
      : g.op('Cast', [g.op('Gather', [g.op('Shape', [x]), g.ints([0], [])], { axis: 0 })], { to: 1 });
  return g.op('Div', [g.op('ReduceSum', [loss], { keepdims: 0 }), n]);
});

registerExporter(nn.CosineEmbeddingLoss, (g, m, [a, b, tv]) => {
  const x1 = (a as Value).name;
  const x2 = (b as Value).name;
  const target = tv as Value;
  const axes = g.ints([-1]);
  const sum = (v: string) => g.op('ReduceSum', [v, axes], { keepdims: 0 });
  const prod = sum(g.op('Mul', [x1, x2]));
  const m1 = g.op('Add', [sum(g.op('Mul', [x1, x1])), g.scalar(1e-12)]);
  const m2 = g.op('Add', [sum(g.op('Mul', [x2, x2])), g.scalar(1e-12)]);
  const cos = g.op('Div', [prod, g.op('Sqrt', [g.op('Mul', [m1, m2])])]);
  const t = target.dtype === 'float32' ? target.name : g.op('Cast', [target.name], { to: 1 });
  const pos = g.op('Where', [g.op('Equal', [t, g.scalar(1)]), g.op('Sub', [g.scalar(1), cos]), g.scalar(0)]);
  const hinge = g.op('Relu', [g.op('Sub', [cos, g.scalar(m.margin)])]);
  const neg = g.op('Where', [g.op('Equal', [t, g.scalar(-1)]), hinge, g.scalar(0)]);
  return reduce(g, g.op('Add', [pos, neg]), m.reduction);
});
