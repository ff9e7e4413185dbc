/**
 * Loss modules (an exported loss is a graph computing it, e.g. for evaluation), written as
 * layers' formulas; NLLLoss and CrossEntropyLoss with class indices use ONNX's
 * NegativeLogLikelihoodLoss, which has PyTorch's weight / ignore_index / mean semantics.
 */
import { nn, type Tensor } from '@layers/core';
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

function classIndexTarget(g: Graph, m: nn.Module, input: Value, target: Value): void {
  if (target.dtype !== 'int32' || input.rank < 2) {
    throw new Error(
      `exportModel: cannot export ${g.pathOf(m)} with a ${target.dtype} target on a ${input.rank}-D input: only batched class-index (int32) targets map to ONNX's NegativeLogLikelihoodLoss`,
    );
  }
}

registerExporter(nn.NLLLoss, (g, m, [input, target]) => {
  classIndexTarget(g, m, input as Value, target as Value);
  return nll(g, m, (input as Value).name, target as Value);
});
registerExporter(nn.CrossEntropyLoss, (g, m, [input, target]) => {
  classIndexTarget(g, m, input as Value, target as Value);
  if (m.labelSmoothing !== 0) {
    throw new Error(
      `exportModel: cannot export ${g.pathOf(m)} with labelSmoothing (not supported by the exporter)`,
    );
  }
  return nll(g, m, g.op('LogSoftmax', [(input as Value).name], { axis: 1 }), target as Value);
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
