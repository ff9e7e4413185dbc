/**
 * Binary cross entropy on probabilities and on logits, with ATen's hand-written gradients
 * (finite at 0 and 1) and PyTorch 1.13's stable logits formulation.
 */
import { castF32, wantsF32 } from '../../amp/autocast.js';
import { isGradEnabled, noGrad } from '../../autograd/grad-mode.js';
import { attach } from '../../autograd/node.js';
import { scalarTensor } from '../../ops/kernel.js';
import { detach } from '../../ops/view.js';
import { deferRangeCheck } from '../../tensor/deferred-checks.js';
import { tidy } from '../../tensor/scope.js';
import { broadcastShapes, fmtShape, shapeEqual } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { BCEOptions, BCEWithLogitsOptions } from './loss.js';
import { checkReduction, checkSameShape, reduce, requireFloat } from './loss-checks.js';
import { fusedLoss } from './loss-programs.js';

/**
 * PyTorch's check that BCE's input holds probabilities (NaN fails it too). It needs the
 * values: read at once where the backend reads synchronously, otherwise computed on the
 * device and reported at the next readback (deferred-checks.ts), like index bounds.
 */
function checkProbabilities(input: Tensor, layer: string): void {
  if (input.size === 0) return;
  const message = `${layer}: all elements of input should be between 0 and 1`;
  const flag = noGrad(() => tidy(() => input.ge(0).logicalAnd(input.le(1)).logicalNot().any()));
  if (!input.backend.readSync) {
    // The flag (0 or 1) must lie in [0, 1): a 1 is reported at the next readback.
    const asIndex = noGrad(() => flag.int());
    deferRangeCheck(asIndex, 1, `range:${layer}`, () => message);
    asIndex.dispose();
    flag.dispose();
    return;
  }
  let bad: boolean;
  try {
    bad = flag.dataSync()[0] !== 0;
  } finally {
    flag.dispose();
  }
  if (!bad) return;
  // The failing path only: find the first offending value to name it.
  const values = input.dataSync();
  const i = values.findIndex((v) => !(v >= 0 && v <= 1));
  throw new RangeError(
    `${message}, got ${values[i]} at flat index ${i} (input shape ${fmtShape(input.shape)})`,
  );
}

/** The checks both binary cross entropies share; returns the weight (or null). */
function checkBinary(input: Tensor, target: Tensor, opts: BCEOptions, layer: string): Tensor | null {
  checkReduction(opts.reduction ?? 'mean', layer, opts);
  requireFloat(input, layer, 'input');
  requireFloat(target, layer, 'target');
  checkSameShape(input, target, layer);
  return opts.weight ?? null;
}

/**
 * Binary cross entropy on probabilities. log is clamped at -100 and the input gradient is
 * ATen's (x - y) / max(x (1 - x), 1e-12), so x = 0 or 1 gives finite values like PyTorch.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: BCEOptions = {}): Tensor {
  if (wantsF32(input, target)) return tidy(() => binaryCrossEntropy(castF32(input), castF32(target), opts));
  const layer = 'BCELoss';
  const reduction = opts.reduction ?? 'mean';
  const weight = checkBinary(input, target, opts, layer);
  if (weight) {
    requireFloat(weight, layer, 'weight');
    broadcastShapes(input.shape, weight.shape, layer);
  }
  checkProbabilities(input, layer);
  return tidy(() => {
    const x = detach(input);
    const y = detach(target);
    const logx = x.log().clamp(-100);
    const log1mx = x.neg().add(1).log().clamp(-100);
    let loss = y.mul(logx).add(y.neg().add(1).mul(log1mx)).neg();
    if (weight) loss = loss.mul(weight);
    loss = detach(loss);
    // The inputs themselves (not x, y): with createGraph the formula differentiates through them.
    const saved = weight ? [input, target, weight] : [input, target];
    loss = attach(loss, 'binaryCrossEntropy', [input, target], saved, (g, [sx, sy, sw]) => {
      const gw = sw ? g.mul(sw) : g;
      const one = scalarTensor(1, 'float32', sx.backend);
      const gx = gw.mul(sx.sub(sy)).div(sx.mul(one.sub(sx)).clamp(1e-12));
      // d/dy = -logit(x) = log(1 - x) - log(x), unclamped as in ATen (infinite at 0 and 1).
      const gy = gw.mul(one.sub(sx).log().sub(sx.log()));
      return [gx, gy];
    });
    return reduce(loss, reduction);
  });
}

/**
 * Sigmoid + binary cross entropy in one stable expression (PyTorch 1.13's):
 *   (1 - y) x + lw (log(e^-m + e^(-x-m)) + m),  m = max(-x, 0),  lw = 1 + (posWeight - 1) y.
 * posWeight broadcasts against the input (usually one value per class, the last dim).
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  opts: BCEWithLogitsOptions = {},
): Tensor {
  if (wantsF32(input, target))
    return tidy(() => binaryCrossEntropyWithLogits(castF32(input), castF32(target), opts));
  const layer = 'BCEWithLogitsLoss';
  const reduction = opts.reduction ?? 'mean';
  const weight = checkBinary(input, target, opts, layer);
  const posWeight = opts.posWeight ?? null;
  if (weight) {
    requireFloat(weight, layer, 'weight');
    broadcastShapes(input.shape, weight.shape, layer);
  }
  if (posWeight) {
    requireFloat(posWeight, layer, 'posWeight');
    const s = broadcastShapes(input.shape, posWeight.shape, layer);
    if (!shapeEqual(s, input.shape)) {
      throw new RangeError(
        `${layer} expected posWeight broadcastable to the input shape ${fmtShape(input.shape)}, got ${fmtShape(posWeight.shape)}`,
      );
    }
  }
  return tidy(() => {
    const f = weight || posWeight ? null : fusedLoss('bceWithLogits', input, target, reduction);
    if (f) return f;
    const x = detach(input);
    const y = detach(target);
    const m = x.neg().clamp(0);
    // softplus(-x) = log(1 + e^-x), computed without overflow.
    const sp = m.neg().exp().add(x.neg().sub(m).exp()).log().add(m);
    const lw = posWeight ? detach(posWeight).sub(1).mul(y).add(1) : null;
    let loss = y
      .neg()
      .add(1)
      .mul(x)
      .add(lw ? lw.mul(sp) : sp);
    if (weight) loss = loss.mul(weight);
    loss = detach(loss);
    const saved = [input, target, sp, weight ?? x, posWeight ?? x];
    const hasW = weight !== null;
    const hasPw = posWeight !== null;
    loss = attach(
      loss,
      'binaryCrossEntropyWithLogits',
      [input, target],
      saved,
      (g, [sx, sy, ssp, sw, spw]) => {
        const gw = hasW ? g.mul(sw) : g;
        // ATen: d/dx = (pw y + 1 - y) sigmoid(x) - pw y;  d/dy = -x + (pw - 1) softplus(-x).
        let gx: Tensor;
        let gy: Tensor;
        if (hasPw) {
          const t = spw.mul(sy);
          gx = t.add(1).sub(sy).mul(sx.sigmoid()).sub(t);
          // sp was computed from a detached x: with createGraph, again from sx, so d(gy)/dx has its term.
          const sp2 = isGradEnabled() ? sx.neg().clamp(0) : null;
          const spx = sp2 ? sp2.neg().exp().add(sx.neg().sub(sp2).exp()).log().add(sp2) : ssp;
          gy = sx.neg().add(spw.sub(1).mul(spx));
        } else {
          gx = sx.sigmoid().sub(sy);
          gy = sx.neg();
        }
        return [gw.mul(gx), gw.mul(gy)];
      },
    );
    return reduce(loss, reduction);
  });
}
