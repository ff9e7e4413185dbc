/**
 * LSTM and GRU gate arithmetic as expression programs: on a backend with
 * `fused.expression` one step's pointwise half is one kernel forward and one backward (the
 * program's symbolic derivative, written straight into the gate-gradient tensor), replacing
 * the hand-written `lstmCell`/`gruCell` kernels and the ~12 elementwise kernels of the
 * composed backward. The programs read each gate as a column block of gx/gh ([B, G*H]
 * narrowed to [B, H]) and round like the composed ops: gates = gx + gh, then the activations.
 * Under createGraph (grad mode on in backward) the backward runs as a differentiable
 * expression op followed by `cat`, so it can be differentiated again.
 */
import { isGradEnabled } from '../../autograd/grad-mode.js';
import { attach } from '../../autograd/node.js';
import { ExprBuilder } from '../../expr/build.js';
import { gradProgram } from '../../expr/grad.js';
import type { ExprProgram } from '../../expr/ir.js';
import { exprOp } from '../../expr/op.js';
import { runExpression } from '../../expr/run.js';
import { cat } from '../../ops/indexing.js';
import { empty } from '../../ops/kernel.js';
import { detach } from '../../ops/view.js';
import type { Tensor } from '../../tensor/tensor.js';

let lstm: ExprProgram | null = null;
let gru: ExprProgram | null = null;

/** Inputs: gx_i, gx_f, gx_g, gx_o, gh_i, gh_f, gh_g, gh_o, c. Outputs: h', c'. */
function lstmProgram(): ExprProgram {
  if (lstm) return lstm;
  const b = new ExprBuilder('lstmCell');
  const gate = (k: number) => b.add(b.load(k), b.load(4 + k));
  const i = b.unary('sigmoid', gate(0));
  const f = b.unary('sigmoid', gate(1));
  const g = b.unary('tanh', gate(2));
  const o = b.unary('sigmoid', gate(3));
  const c1 = b.add(b.mul(f, b.load(8)), b.mul(i, g));
  lstm = b.build([b.mul(o, b.unary('tanh', c1)), c1]);
  return lstm;
}

/** Inputs: gx_r, gx_z, gx_n, gh_r, gh_z, gh_n, h. Output: h'. */
function gruProgram(): ExprProgram {
  if (gru) return gru;
  const b = new ExprBuilder('gruCell');
  const r = b.unary('sigmoid', b.add(b.load(0), b.load(3)));
  const z = b.unary('sigmoid', b.add(b.load(1), b.load(4)));
  const n = b.unary('tanh', b.add(b.load(2), b.mul(r, b.load(5))));
  // (1 - z) * n + z * h, with one op fewer (as the composed path).
  gru = b.build([b.add(n, b.mul(z, b.sub(b.load(6), n)))]);
  return gru;
}

/** The G column blocks of a [B, G*H] tensor, each [B, H]. */
function blocks(t: Tensor, G: number, H: number): Tensor[] {
  return Array.from({ length: G }, (_, k) => t.narrow(1, k * H, H));
}

/**
 * Run derivative program `dp` on `inputs`: into the blocks of fresh tensors (one kernel),
 * or, with grad mode on, as a differentiable op whose blocks are joined with `cat`.
 * `layout` gives, per result tensor, how many [B, H] blocks it has.
 */
function backwardInto(dp: ExprProgram, inputs: Tensor[], B: number, H: number, layout: number[]): Tensor[] {
  if (isGradEnabled()) {
    const parts = exprOp(dp, inputs);
    let k = 0;
    return layout.map((G) => {
      const mine = parts.slice(k, k + G);
      k += G;
      return G === 1 ? mine[0] : cat(mine, 1);
    });
  }
  const results = layout.map((G) => empty([B, G * H], 'float32', inputs[0].backend));
  const into = results.flatMap((t, j) => (layout[j] === 1 ? [t] : blocks(t, layout[j], H)));
  runExpression(dp, inputs, { into });
  return results;
}

/** gx, gh [B, 4H] (gate order i, f, g, o), c [B, H] -> [h', c'], as one expression kernel. */
export function lstmStepExpr(gx: Tensor, gh: Tensor, c: Tensor): [Tensor, Tensor] {
  const [B, H] = c.shape;
  const p = lstmProgram();
  const ins = [...blocks(detach(gx), 4, H), ...blocks(detach(gh), 4, H), detach(c)];
  const out = empty([2, B, H], 'float32', c.backend);
  const into = [out.select(0, 0), out.select(0, 1)];
  runExpression(p, ins, { into });
  // Saved are the inputs themselves, cut into gate blocks inside the formula: a createGraph
  // backward hands them wired to the graph, so the blocks (narrow views) carry second-order
  // terms back to gx, gh and c (blocks of detached copies would be constants there).
  const y = attach(out, 'lstmCell', [gx, gh, c], [gx, gh, c], (grad, [sgx, sgh, sc]) => {
    const saved = [...blocks(sgx, 4, H), ...blocks(sgh, 4, H), sc];
    // The gate gradients are the same for gx and gh (gates = gx + gh): compute them once.
    const dp = gradProgram(p, [true, true, true, true, false, false, false, false, true]);
    const [dGates, dC] = backwardInto(dp, [...saved, grad.select(0, 0), grad.select(0, 1)], B, H, [4, 1]);
    return [dGates, dGates, dC];
  });
  return [y.select(0, 0), y.select(0, 1)];
}

/** gx, gh [B, 3H] (gate order r, z, n; biases included), h [B, H] -> h', as one expression kernel. */
export function gruStepExpr(gx: Tensor, gh: Tensor, h: Tensor): Tensor {
  const [B, H] = h.shape;
  const p = gruProgram();
  const ins = [...blocks(detach(gx), 3, H), ...blocks(detach(gh), 3, H), detach(h)];
  const [out] = runExpression(p, ins);
  return attach(out, 'gruCell', [gx, gh, h], [gx, gh, h], (grad, [sgx, sgh, sh]) => {
    const saved = [...blocks(sgx, 3, H), ...blocks(sgh, 3, H), sh];
    const dp = gradProgram(p, [true, true, true, true, true, true, true]);
    const [dGx, dGh, dH] = backwardInto(dp, [...saved, grad], B, H, [3, 3, 1]);
    return [dGx, dGh, dH];
  });
}
