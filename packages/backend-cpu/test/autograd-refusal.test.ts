/**
 * Core's refusal of a second backward through a formula that has no derivative, tested with
 * core's own `attach` (not public: every op core ships differentiates twice, so only a new
 * fused path could reach it). The same module instance as '@layers/core' (its dist).
 */
import * as L from '@layers/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { attach } from '../../core/dist/autograd/node.js';
import { createCpuBackend } from '../src/index.js';

beforeAll(async () => {
  L.setBackend(await createCpuBackend());
});

describe('createGraph through a formula without a derivative', () => {
  it('twice: false records first-order values and refuses the second backward by name', async () => {
    const x = L.tensor([1, 2], { requiresGrad: true });
    const y = attach(x.detach().square(), 'rawSquare', [x], [x], (g, [sx]) => [g.mul(sx).mul(2)], {
      twice: false,
    });
    const [gx] = L.autograd.grad(y.sum(), x, { createGraph: true });
    expect(Array.from(await gx!.data())).toEqual([2, 4]); // d x^2 / dx = 2x
    expect(() => L.autograd.grad(gx!.sum(), x)).toThrow(
      /derivative of rawSquare's backward is not implemented/,
    );
  });

  it('a gradient that lost the incoming gradient graph is refused, not a silent zero', () => {
    const x = L.tensor([1, 2], { requiresGrad: true });
    const y = attach(x.detach().mul(3), 'rawScale', [x], [], (g) => [L.noGrad(() => g.detach().mul(3))]);
    const v = L.tensor([1, -1], { requiresGrad: true });
    const [gx] = L.autograd.grad(y, x, { gradOutputs: v, createGraph: true });
    expect(() => L.autograd.grad(gx!.sum(), v)).toThrow(
      /derivative of rawScale's backward is not implemented/,
    );
  });
});
