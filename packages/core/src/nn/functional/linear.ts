/** F.linear and F.bilinear: affine maps over the last dimension. */
import { castLow, wantsLow } from '../../amp/autocast.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { attach } from '../../autograd/node.js';
import { applyEpilogue, biasActivationProgram } from '../../expr/epilogue.js';
import { isFloat } from '../../tensor/dtype.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptionalTensor, checkTensor } from '../validate.js';

/** Throws `<layer> expected a float input, got int32` for non-float tensors. */
export function requireFloat(x: Tensor, layer: string, what = 'input'): void {
  checkTensor(layer, what, x);
  if (!isFloat(x.dtype)) throw new TypeError(`${layer} expected a float ${what}, got ${x.dtype}`);
}

/** y = x W^T + b, for x [..., in], W [out, in], b [out]. */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null, layer = 'Linear'): Tensor {
  requireFloat(x, layer);
  // autocast: linear runs in the low-precision dtype (differentiable casts, freed on return).
  if (wantsLow(x, weight, bias)) return tidy(() => linear(castLow(x), castLow(weight), castLow(bias), layer));
  checkTensor(layer, 'weight', weight);
  checkOptionalTensor(layer, 'bias', bias);
  if (weight.ndim !== 2)
    throw new RangeError(`${layer} expected a 2-D weight, got shape ${fmtShape(weight.shape)}`);
  if (x.ndim === 0)
    throw new RangeError(`${layer} expected an input with at least 1 dimension, got a 0-D tensor`);
  const inFeatures = weight.shape[1];
  if (x.shape[x.ndim - 1] !== inFeatures) {
    throw new RangeError(
      `${layer} expected input with last dimension ${inFeatures} (inFeatures), got ${x.shape[x.ndim - 1]} (input shape ${fmtShape(x.shape)})`,
    );
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new RangeError(
      `${layer} expected a bias of shape [${weight.shape[0]}], got ${fmtShape(bias.shape)}`,
    );
  }
  const f32 = [x, weight, bias].every((t) => !t || t.dtype === 'float32');
  return tidy(() => {
    if (x.ndim >= 2 && x.size > 0 && f32) return linearOp(x, weight, bias);
    const y = x.matmul(weight.t());
    return bias ? y.add(bias) : y;
  });
}

/**
 * linear as one recorded op: the bias is added in place as an expression epilogue, and the
 * backward computes dW = g^T x directly in W's [out, in] layout. Composed from matmul(x, W^T)
 * the weight gradient arrived as a transposed view that gradient accumulation then copied
 * (one copy kernel per Linear per step), and the bias gradient's sum over the batch was
 * recorded as a broadcast add's backward.
 */
function linearOp(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  const [out, inF] = weight.shape;
  const rows = x.size / inF;
  const y = noGrad(() => {
    const m = x.matmul(weight.t());
    return bias ? applyEpilogue(biasActivationProgram('none', true), m, [bias]) : m;
  });
  const needX = x.requiresGrad;
  const needW = weight.requiresGrad;
  const needB = bias?.requiresGrad === true;
  return attach(y, 'linear', [x, weight, bias], [x, weight], (g, [sx, sw]) => {
    const g2 = g.reshape([rows, out]);
    return [
      needX ? g.matmul(sw) : null,
      needW ? g2.t().matmul(sx.reshape([rows, inF])) : null,
      needB ? g2.sum(0) : null,
    ];
  });
}

/** y[..., o] = x1[..., :] W[o] x2[..., :]^T + b[o], for W [out, in1, in2]. */
export function bilinear(
  x1: Tensor,
  x2: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  layer = 'Bilinear',
): Tensor {
  requireFloat(x1, layer, 'input1');
  requireFloat(x2, layer, 'input2');
  checkTensor(layer, 'weight', weight);
  checkOptionalTensor(layer, 'bias', bias);
  if (weight.ndim !== 3)
    throw new RangeError(`${layer} expected a 3-D weight, got shape ${fmtShape(weight.shape)}`);
  const [out, in1, in2] = weight.shape;
  if (x1.ndim === 0 || x1.shape[x1.ndim - 1] !== in1) {
    throw new RangeError(
      `${layer} expected input1 with last dimension ${in1}, got shape ${fmtShape(x1.shape)}`,
    );
  }
  if (x2.ndim === 0 || x2.shape[x2.ndim - 1] !== in2) {
    throw new RangeError(
      `${layer} expected input2 with last dimension ${in2}, got shape ${fmtShape(x2.shape)}`,
    );
  }
  const lead = x1.shape.slice(0, -1);
  if (lead.length !== x2.ndim - 1 || lead.some((d, i) => d !== x2.shape[i])) {
    throw new RangeError(
      `${layer} expected input1 and input2 to have the same leading dimensions, got ${fmtShape(x1.shape)} and ${fmtShape(x2.shape)}`,
    );
  }
  return tidy(() => {
    const n = lead.reduce((a, b) => a * b, 1);
    const a = x1.reshape([n, in1]);
    const b = x2.reshape([n, 1, in2]);
    // (x1 W): [n, in1] @ [in1, out * in2] -> [n, out, in2], then contract with x2.
    const w = weight.permute([1, 0, 2]).reshape([in1, out * in2]);
    let y = a.matmul(w).reshape([n, out, in2]).mul(b).sum(2);
    if (bias) y = y.add(bias);
    return y.reshape([...lead, out]);
  });
}
