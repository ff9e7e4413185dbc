/** Elementwise ONNX operators: arithmetic, comparisons, logic and activations. */

import { F, type Other, type Tensor, where } from '@layers/core';
import type { Attrs } from '../attrs.js';
import { hostBinary, hostUnary, hostWhere } from '../host.js';
import { type HostDType, isHost, isIntDType, type Value } from '../values.js';
import type { OpContext, OpDef, OpTable } from './types.js';

/**
 * The second operand of a device binary op: a plain number where it is a host scalar that
 * cannot change the result's shape (cheaper, and the exact scalar PyTorch used), else a tensor.
 */
function operand(ctx: OpContext, v: Value | undefined, other: Tensor, what: string): Other {
  if (isHost(v) && v.data.length === 1 && v.shape.length <= other.ndim && v.dtype !== 'bool') {
    const sameKind = isIntDType(v.dtype) === (other.dtype === 'int32');
    // An integer outside int32 goes through ctx.t, whose upload reports it.
    const fits = !isIntDType(v.dtype) || Math.abs(v.data[0]) <= 2147483647;
    if (sameKind && fits) return v.data[0];
  }
  return ctx.t(v, what);
}

/** Integer division truncates toward zero in ONNX; float division is true division. */
function divide(a: Tensor, b: Other): Tensor {
  const q = a.div(b);
  return a.dtype === 'int32' ? q.cast('int32') : q;
}

type DeviceBinary = (a: Tensor, b: Other) => Tensor;

function binary(deviceFn: DeviceBinary, hostFn: (x: number, y: number) => number, cmp = false): OpDef {
  return {
    host: ([a, b]) => [hostBinary(a!, b!, hostFn, cmp ? 'bool' : a!.dtype)],
    device: ([a, b], _attrs, ctx) => {
      // Keep the device tensor first so a host scalar can be passed as a number.
      if (isHost(a) && !isHost(b)) {
        const tb = ctx.t(b, 'B');
        return [deviceFn(ctx.t(a, 'A'), tb)];
      }
      const ta = ctx.t(a, 'A');
      return [deviceFn(ta, operand(ctx, b, ta, 'B'))];
    },
  };
}

function unary(
  deviceFn: (x: Tensor, attrs: Attrs) => Tensor,
  hostFn?: (v: number) => number,
  dtype?: HostDType,
): OpDef {
  return {
    host: hostFn ? ([x]) => [hostUnary(x!, hostFn, dtype ?? x!.dtype)] : undefined,
    device: ([x], attrs, ctx) => [deviceFn(ctx.t(x, 'X'), attrs)],
  };
}

/** Sum, Mean, Max, Min over any number of broadcast inputs. */
function variadic(
  fn: (a: Tensor, b: Tensor) => Tensor,
  hostFn: (x: number, y: number) => number,
  mean = false,
): OpDef {
  return {
    host: (xs) => {
      let acc = xs[0]!;
      for (const x of xs.slice(1)) acc = hostBinary(acc, x!, hostFn);
      return [mean ? hostUnary(acc, (v) => v / xs.length) : acc];
    },
    device: (xs, _a, ctx) => {
      let acc = ctx.t(xs[0], 'data_0');
      for (let i = 1; i < xs.length; i++) acc = fn(acc, ctx.t(xs[i], `data_${i}`));
      return [mean ? acc.div(xs.length) : acc];
    },
  };
}

function clip(): OpDef {
  return {
    device: ([x, lo, hi], attrs, ctx) => {
      const t = ctx.t(x, 'input');
      // Opset < 11 gives the bounds as attributes; later opsets as optional inputs.
      if (ctx.opset < 11) return [t.clamp(attrs.float('min', -Infinity), attrs.float('max', Infinity))];
      const bound = (v: Value | undefined, what: string): number | Tensor | null =>
        v === undefined ? null : isHost(v) ? v.data[0] : ctx.t(v, what);
      const l = bound(lo, 'min');
      const h = bound(hi, 'max');
      if ((l === null || typeof l === 'number') && (h === null || typeof h === 'number'))
        return [t.clamp(l, h)];
      let out = t;
      if (l !== null) out = out.maximum(l);
      if (h !== null) out = out.minimum(h);
      return [out];
    },
  };
}

function fmod(a: Tensor, b: Other): Tensor {
  // C fmod: the result takes the dividend's sign.
  const q = a.div(b);
  const tq = q.sign().mul(q.abs().floor());
  return a.sub(tq.mul(b));
}

/** @internal */
export const ELEMENTWISE_OPS: OpTable = {
  Add: binary(
    (a, b) => a.add(b),
    (x, y) => x + y,
  ),
  Sub: binary(
    (a, b) => a.sub(b),
    (x, y) => x - y,
  ),
  Mul: binary(
    (a, b) => a.mul(b),
    (x, y) => x * y,
  ),
  Div: binary(divide, (x, y) => x / y),
  Pow: {
    host: ([a, b]) => [hostBinary(a!, b!, (x, y) => x ** y)],
    device: ([a, b], _attrs, ctx) => {
      const ta = ctx.t(a, 'X');
      const r = ta.pow(operand(ctx, b, ta, 'Y'));
      return [ta.dtype === 'int32' ? r.cast('int32') : r];
    },
  },
  Mod: {
    host: ([a, b], attrs) => [
      hostBinary(a!, b!, attrs.int('fmod', 0) ? (x, y) => x % y : (x, y) => x - Math.floor(x / y) * y),
    ],
    device: ([a, b], attrs, ctx) => {
      const ta = ctx.t(a, 'A');
      const tb = operand(ctx, b, ta, 'B');
      return [attrs.int('fmod', 0) ? fmod(ta, tb) : ta.remainder(tb)];
    },
  },
  Equal: binary(
    (a, b) => a.eq(b),
    (x, y) => +(x === y),
    true,
  ),
  Less: binary(
    (a, b) => a.lt(b),
    (x, y) => +(x < y),
    true,
  ),
  LessOrEqual: binary(
    (a, b) => a.le(b),
    (x, y) => +(x <= y),
    true,
  ),
  Greater: binary(
    (a, b) => a.gt(b),
    (x, y) => +(x > y),
    true,
  ),
  GreaterOrEqual: binary(
    (a, b) => a.ge(b),
    (x, y) => +(x >= y),
    true,
  ),
  And: binary(
    (a, b) => a.logicalAnd(b),
    (x, y) => +(x && y),
    true,
  ),
  Or: binary(
    (a, b) => a.logicalOr(b),
    (x, y) => +(x || y),
    true,
  ),
  Xor: binary(
    (a, b) => a.logicalXor(b),
    (x, y) => +(!!x !== !!y),
    true,
  ),
  Not: unary(
    (x) => x.logicalNot(),
    (v) => +!v,
  ),
  Sum: variadic(
    (a, b) => a.add(b),
    (x, y) => x + y,
  ),
  Mean: variadic(
    (a, b) => a.add(b),
    (x, y) => x + y,
    true,
  ),
  Max: variadic((a, b) => a.maximum(b), Math.max),
  Min: variadic((a, b) => a.minimum(b), Math.min),
  Where: {
    host: ([c, a, b]) => [hostWhere(c!, a!, b!)],
    device: ([c, a, b], _attrs, ctx) => [where(ctx.t(c, 'condition'), ctx.t(a, 'X'), ctx.t(b, 'Y'))],
  },
  Clip: clip(),
  Neg: unary(
    (x) => x.neg(),
    (v) => -v,
  ),
  Abs: unary((x) => x.abs(), Math.abs),
  Sign: unary((x) => x.sign(), Math.sign),
  Sqrt: unary((x) => x.sqrt(), Math.sqrt),
  Reciprocal: unary(
    (x) => x.reciprocal(),
    (v) => 1 / v,
  ),
  Floor: unary((x) => x.floor(), Math.floor),
  Ceil: unary((x) => x.ceil(), Math.ceil),
  // ONNX rounds half to even, as torch.round does.
  Round: unary((x) => x.round()),
  Exp: unary((x) => x.exp()),
  Log: unary((x) => x.log()),
  Sin: unary((x) => x.sin()),
  Cos: unary((x) => x.cos()),
  Tan: unary((x) => x.tan()),
  Erf: unary((x) => x.erf()),
  IsNaN: unary((x) => x.isnan()),
  Tanh: unary((x) => x.tanh()),
  Sigmoid: unary((x) => x.sigmoid()),
  Relu: unary(
    (x) => x.relu(),
    (v) => Math.max(v, 0),
  ),
  LeakyRelu: unary((x, a) => F.leakyRelu(x, a.float('alpha', 0.01))),
  Elu: unary((x, a) => F.elu(x, a.float('alpha', 1))),
  Celu: unary((x, a) => F.celu(x, a.float('alpha', 1))),
  Selu: unary((x, a) => {
    const alpha = a.float('alpha', 1.6732632);
    const gamma = a.float('gamma', 1.050701);
    return F.elu(x, alpha).mul(gamma);
  }),
  Softplus: unary((x) => F.softplus(x)),
  Softsign: unary((x) => F.softsign(x)),
  Mish: unary((x) => F.mish(x)),
  Gelu: unary((x, a) => F.gelu(x, { approximate: a.string('approximate', 'none') as 'none' | 'tanh' })),
  HardSigmoid: unary((x, a) => x.mul(a.float('alpha', 0.2)).add(a.float('beta', 0.5)).clamp(0, 1)),
  HardSwish: unary((x) => F.hardswish(x)),
  ThresholdedRelu: unary((x, a) => {
    const alpha = a.float('alpha', 1);
    return where(x.gt(alpha), x, 0);
  }),
  Shrink: unary((x, a) => {
    const lambd = a.float('lambd', 0.5);
    const bias = a.float('bias', 0);
    return where(x.lt(-lambd), x.add(bias), where(x.gt(lambd), x.sub(bias), 0));
  }),
  PRelu: {
    device: ([x, slope], _a, ctx) => {
      const t = ctx.t(x, 'X');
      // ONNX broadcasts the slope to X (unidirectionally), so compose instead of F.prelu's [C] weight.
      return [t.relu().add(t.clamp(null, 0).mul(ctx.t(slope, 'slope')))];
    },
  },
};
