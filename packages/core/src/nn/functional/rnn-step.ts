/**
 * The pointwise half of one LSTM or GRU step: the gate arithmetic after the two projections.
 *
 * A backend's `fused.expression` runs it as one expression kernel (rnn-expr.ts); else its
 * fused `lstmCell`/`gruCell` does it in one kernel (the composed form is about
 * ten, and in a recurrent loop every kernel is paid once per time step). The fused forward
 * keeps the activated gates, so the backward pass is a handful of elementwise ops built from
 * them here. Without the kernel, the same arithmetic is composed from differentiable ops in
 * the same rounding order, so both paths give the same float32 results.
 */

import { attach, attachTo, type Node, wired } from '../../autograd/node.js';
import type { FusedKernels } from '../../backend/contract.js';
import { cat } from '../../ops/indexing.js';
import { empty } from '../../ops/kernel.js';
import { contiguous, detach } from '../../ops/view.js';
import type { Tensor } from '../../tensor/tensor.js';
import { gruStepExpr, lstmStepExpr } from './rnn-expr.js';

export type LstmCellKernel = NonNullable<FusedKernels['lstmCell']>;
export type GruCellKernel = NonNullable<FusedKernels['gruCell']>;

function fusable(...ts: Tensor[]): boolean {
  return ts.every((t) => t.dtype === 'float32' && t.size > 0);
}

/**
 * Run a cell kernel (both share one signature) on detached contiguous operands: `state` is
 * c (LSTM) or h (GRU), G the gate count. Returns the operands it read and what it wrote.
 */
function runCell(
  kernel: LstmCellKernel | GruCellKernel,
  gx: Tensor,
  gh: Tensor,
  state: Tensor,
  outShape: number[],
  G: number,
): { gh: Tensor; state: Tensor; out: Tensor; act: Tensor } {
  const [B, H] = state.shape;
  const ops = [gx, gh, state].map((t) => contiguous(detach(t)));
  const out = empty(outShape, 'float32', state.backend);
  const act = empty([B, G * H], 'float32', state.backend);
  kernel(ops[0]._view(), ops[1]._view(), ops[2]._view(), out._view(), act._view(), { batch: B, hidden: H });
  return { gh: ops[1], state: ops[2], out, act };
}

/** d * s * (1 - s): the gradient through s = sigmoid(pre). */
function throughSigmoid(d: Tensor, s: Tensor): Tensor {
  return d.mul(s).mul(s.neg().add(1));
}

/** d * (1 - t^2): the gradient through t = tanh(pre). */
function throughTanh(d: Tensor, t: Tensor): Tensor {
  return d.mul(t.square().neg().add(1));
}

/**
 * The LSTM kernel's activated gates [B, 4H] as a recorded function of gx and gh (edges 0, 1):
 * sigmoid or tanh of gx + gh, whose slope is a function of the gates themselves, so the
 * node saves only its own output and differentiates to any order.
 */
function lstmGates(act: Tensor, edges: readonly (Node | null)[], H: number): Tensor {
  const a = act._alias(true);
  return attachTo(a, 'lstmCellGates', [edges[0], edges[1]], [a], (gA, [s]) => {
    const sig = s.mul(s.neg().add(1));
    const tanh = s.square().neg().add(1);
    const slope = cat([sig.narrow(1, 0, 2 * H), tanh.narrow(1, 2 * H, H), sig.narrow(1, 3 * H, H)], 1);
    const d = gA.mul(slope);
    return [d, d];
  });
}

/**
 * The GRU kernel's gates [B, 3H] (r, z, n) as a recorded function of gx and gh (edges 0, 1):
 * r, z = sigmoid(gx + gh), n = tanh(gx_n + r gh_n); `gh` is the wired hidden projection.
 */
function gruGates(act: Tensor, gh: Tensor, edges: readonly (Node | null)[], H: number): Tensor {
  const a = act._alias(true);
  return attachTo(a, 'gruCellGates', [edges[0], edges[1]], [a, gh], (gA, [s, sgh]) => {
    const r = s.narrow(1, 0, H);
    const z = s.narrow(1, H, H);
    const n = s.narrow(1, 2 * H, H);
    const dN = throughTanh(gA.narrow(1, 2 * H, H), n);
    const dR = throughSigmoid(gA.narrow(1, 0, H).add(dN.mul(sgh.narrow(1, 2 * H, H))), r);
    const dZ = throughSigmoid(gA.narrow(1, H, H), z);
    return [cat([dR, dZ, dN], 1), cat([dR, dZ, dN.mul(r)], 1)];
  });
}

/**
 * gx, gh [B, 4H] (gate order i, f, g, o; biases already in gx), c [B, H] -> [h', c'].
 */
export function lstmStep(
  gx: Tensor,
  gh: Tensor,
  c: Tensor,
  kernel: LstmCellKernel | null,
  expr = false,
): [Tensor, Tensor] {
  const [B, H] = c.shape;
  if (expr && fusable(gx, gh, c)) return lstmStepExpr(gx, gh, c);
  if (!kernel || !fusable(gx, gh, c)) {
    const gates = gx.add(gh);
    const sig = gates.sigmoid();
    const i = sig.narrow(1, 0, H);
    const f = sig.narrow(1, H, H);
    const g = gates.narrow(1, 2 * H, H).tanh();
    const o = sig.narrow(1, 3 * H, H);
    const c1 = f.mul(c).add(i.mul(g));
    return [o.mul(c1.tanh()), c1];
  }
  const { state: sc, out, act } = runCell(kernel, gx, gh, c, [2, B, H], 4);
  const y = attach(out, 'lstmCell', [gx, gh, c], [act, sc, out], (grad, [a0, c0, o], edges) => {
    // With createGraph (edges given) the kernel's gates and its copy of c are wired back
    // into the graph, so this formula differentiates through them.
    const a = edges ? lstmGates(a0, edges, H) : a0;
    const cPrev = edges ? wired(c0, edges[2]) : c0;
    const gH = grad.select(0, 0);
    const gC = grad.select(0, 1);
    const i = a.narrow(1, 0, H);
    const f = a.narrow(1, H, H);
    const g = a.narrow(1, 2 * H, H);
    const og = a.narrow(1, 3 * H, H);
    const tc = o.select(0, 1).tanh();
    const dC = gC.add(throughTanh(gH.mul(og), tc));
    const dPre = cat(
      [
        throughSigmoid(dC.mul(g), i),
        throughSigmoid(dC.mul(cPrev), f),
        throughTanh(dC.mul(i), g),
        throughSigmoid(gH.mul(tc), og),
      ],
      1,
    );
    return [dPre, dPre, dC.mul(f)];
  });
  return [y.select(0, 0), y.select(0, 1)];
}

/**
 * gx [B, 3H] = x W_ih^T + b_ih, gh [B, 3H] = h W_hh^T + b_hh (gate order r, z, n),
 * h [B, H] -> h'.
 */
export function gruStep(
  gx: Tensor,
  gh: Tensor,
  h: Tensor,
  kernel: GruCellKernel | null,
  expr = false,
): Tensor {
  const [B, H] = h.shape;
  if (expr && fusable(gx, gh, h)) return gruStepExpr(gx, gh, h);
  if (!kernel || !fusable(gx, gh, h)) {
    const rz = gx
      .narrow(1, 0, 2 * H)
      .add(gh.narrow(1, 0, 2 * H))
      .sigmoid();
    const r = rz.narrow(1, 0, H);
    const z = rz.narrow(1, H, H);
    const n = gx
      .narrow(1, 2 * H, H)
      .add(r.mul(gh.narrow(1, 2 * H, H)))
      .tanh();
    // (1 - z) * n + z * h, with one op fewer.
    return n.add(z.mul(h.sub(n)));
  }
  const { gh: sh, state: sp, out, act } = runCell(kernel, gx, gh, h, [B, H], 3);
  return attach(out, 'gruCell', [gx, gh, h], [act, sh, sp], (grad, [a0, gh0, h0], edges) => {
    const ghs = edges ? wired(gh0, edges[1]) : gh0;
    const a = edges ? gruGates(a0, ghs, edges, H) : a0;
    const hPrev = edges ? wired(h0, edges[2]) : h0;
    const r = a.narrow(1, 0, H);
    const z = a.narrow(1, H, H);
    const n = a.narrow(1, 2 * H, H);
    const dN = throughTanh(grad.sub(grad.mul(z)), n);
    const dR = throughSigmoid(dN.mul(ghs.narrow(1, 2 * H, H)), r);
    const dZ = throughSigmoid(grad.mul(hPrev.sub(n)), z);
    return [cat([dR, dZ, dN], 1), cat([dR, dZ, dN.mul(r)], 1), grad.mul(z)];
  });
}
