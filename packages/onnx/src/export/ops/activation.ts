/**
 * Activations. ONNX has most of them; the rest (GELU before opset 20, SiLU, Mish, LogSigmoid,
 * Softplus with beta/threshold, Tanhshrink, Threshold, Softmin) are written as the formula
 * PyTorch documents.
 */
import { nn } from '@layers/core';
import { float, type Graph, type Value } from '../graph.js';
import { type ModuleClass, registerExporter } from '../registry.js';

type Unary = (g: Graph, x: string, v: Value) => string;

/** Registers a one-input, one-output module. */
function unary<M extends nn.Module>(
  cls: ModuleClass<M>,
  fn: (g: Graph, x: string, m: M, v: Value) => string,
): void {
  registerExporter(cls, (g, m, [x]) => fn(g, (x as Value).name, m, x as Value));
}

/** y = x * 0.5 * (1 + erf(x / sqrt 2)), or the tanh approximation (GELU is an op from opset 20 only). */
export const gelu = (g: Graph, x: string, approximate: 'none' | 'tanh'): string => {
  const half = g.op('Mul', [x, g.scalar(0.5)]);
  let inner: string;
  if (approximate === 'tanh') {
    const cube = g.op('Mul', [g.op('Mul', [x, x]), x]);
    const s = g.op('Add', [x, g.op('Mul', [cube, g.scalar(0.044715)])]);
    inner = g.op('Tanh', [g.op('Mul', [s, g.scalar(Math.sqrt(2 / Math.PI))])]);
  } else {
    inner = g.op('Erf', [g.op('Mul', [x, g.scalar(Math.SQRT1_2)])]);
  }
  return g.op('Mul', [half, g.op('Add', [inner, g.scalar(1)])]);
};

const simple: [ModuleClass<nn.Module>, string][] = [
  [nn.ReLU, 'Relu'],
  [nn.Sigmoid, 'Sigmoid'],
  [nn.Tanh, 'Tanh'],
  [nn.Softsign, 'Softsign'],
];
for (const [cls, op] of simple) unary(cls, (g, x) => g.op(op, [x]));

const clip = (g: Graph, x: string, lo: number, hi: number) => g.op('Clip', [x, g.scalar(lo), g.scalar(hi)]);
const softplus: Unary = (g, x) => g.op('Softplus', [x]);

unary(nn.ReLU6, (g, x) => clip(g, x, 0, 6));
unary(nn.Hardtanh, (g, x, m) => clip(g, x, m.minVal, m.maxVal));
unary(nn.LeakyReLU, (g, x, m) => g.op('LeakyRelu', [x], { alpha: float(m.negativeSlope) }));
unary(nn.ELU, (g, x, m) => g.op('Elu', [x], { alpha: float(m.alpha) }));
unary(nn.CELU, (g, x, m) => g.op('Celu', [x], { alpha: float(m.alpha) }));
// PyTorch's constants (ONNX's defaults differ in the last float32 digit).
unary(nn.SELU, (g, x) =>
  g.op('Selu', [x], { alpha: float(1.6732632423543772), gamma: float(1.0507009873554805) }),
);
unary(nn.GELU, (g, x, m) => gelu(g, x, m.approximate));
unary(nn.SiLU, (g, x) => g.op('Mul', [x, g.op('Sigmoid', [x])]));
unary(nn.Mish, (g, x, _m, v) => g.op('Mul', [x, g.op('Tanh', [softplus(g, x, v)])]));
// log sigmoid(x) = -softplus(-x), stable for large |x| as ONNX's Softplus is.
unary(nn.LogSigmoid, (g, x, _m, v) => g.op('Neg', [softplus(g, g.op('Neg', [x]), v)]));
unary(nn.Hardsigmoid, (g, x) => g.op('HardSigmoid', [x], { alpha: float(1 / 6), beta: float(0.5) }));
unary(nn.Hardswish, (g, x) =>
  g.opset >= 14
    ? g.op('HardSwish', [x])
    : g.op('Mul', [x, g.op('HardSigmoid', [x], { alpha: float(1 / 6), beta: float(0.5) })]),
);
// softplus(x) = log(1 + exp(beta x)) / beta, and x itself where beta x > threshold.
unary(nn.Softplus, (g, x, m, v) => {
  const bx = m.beta === 1 ? x : g.op('Mul', [x, g.scalar(m.beta)]);
  const sp = softplus(g, bx, v);
  const soft = m.beta === 1 ? sp : g.op('Div', [sp, g.scalar(m.beta)]);
  return g.op('Where', [g.op('Greater', [bx, g.scalar(m.threshold)]), x, soft]);
});
unary(nn.Tanhshrink, (g, x) => g.op('Sub', [x, g.op('Tanh', [x])]));
unary(nn.Hardshrink, (g, x, m) => g.op('Shrink', [x], { lambd: float(m.lambd), bias: float(0) }));
unary(nn.Softshrink, (g, x, m) => g.op('Shrink', [x], { lambd: float(m.lambd), bias: float(m.lambd) }));
unary(nn.Threshold, (g, x, m) =>
  g.op('Where', [g.op('Greater', [x, g.scalar(m.threshold)]), x, g.scalar(m.value)]),
);

/** Softmax's dim as forward resolves it (PyTorch's implicit dim when null). */
function softmaxAxis(m: nn.Softmax | nn.LogSoftmax | nn.Softmin, v: Value): number {
  if (m.dim !== null) return m.dim;
  return v.rank === 0 || v.rank === 1 || v.rank === 3 ? 0 : 1;
}
unary(nn.Softmax, (g, x, m, v) => g.op('Softmax', [x], { axis: softmaxAxis(m, v) }));
unary(nn.LogSoftmax, (g, x, m, v) => g.op('LogSoftmax', [x], { axis: softmaxAxis(m, v) }));
unary(nn.Softmin, (g, x, m, v) => g.op('Softmax', [g.op('Neg', [x])], { axis: softmaxAxis(m, v) }));

// PReLU's slope is per channel (dim 1, or dim 0 of a 1-D input): shaped [C, 1, ...] to broadcast.
registerExporter(nn.PReLU, (g, m, [xv]) => {
  const x = xv as Value;
  const n = m.numParameters;
  const dims = n === 1 || x.rank < 2 ? [n] : [n, ...new Array(x.rank - 2).fill(1)];
  return g.op('PRelu', [x.name, g.param(m.weight, { dims })]);
});
