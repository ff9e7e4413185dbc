/**
 * One LSTM layer-direction over the whole sequence as ONE autograd node.
 *
 * Recorded per step (rnn-step.ts), a T-step LSTM's backward runs, per step, the matmul
 * backward (two products and a weight-gradient accumulation), the select/stack backward (a
 * zeroed [T, B, 4H] scatter per step, added into the projection's gradient) and the cell's
 * backward: about 50 kernels a step on wasm (seq 32, batch 16, 64 -> 128: 1,691 a training
 * step). This node keeps per step only what the recurrence forces: forward one matmul
 * h W_hh^T and one cell kernel (the backend's lstmCell, else an expression), which also
 * writes the activated gates into a saved [T, B, 4H] buffer; backward one gate-gradient
 * expression (written straight into its time step's rows of the stacked gate gradient) and
 * one matmul dG W_hh. The weight gradient dW_hh is then one matmul over all steps; dW_ih,
 * the biases and dX follow from the input projection's F.linear backward, once over all
 * steps as well (162 kernels a training step).
 *
 * Layout: the node's output Y is [T+1, 2, B, H], row r holding [h_r, c_r] (the [2, B, H]
 * block a backend's lstmCell kernel writes), with the initial state in row 0 (row T for the
 * reverse direction); output, h_n and c_n are views of Y. The backward reads every step's
 * operands as views computed by offset (no tensor handles per step).
 *
 * With createGraph the same loop runs as recorded composed ops (the same formula as
 * gradProgram; an expression's own derivative needs more storage buffers than webgpu binds)
 * whose saved inputs come wired into the graph (Y as the node's own output), so the
 * gradient can be differentiated again.
 */
import { isGradEnabled } from '../../autograd/grad-mode.js';
import { attach } from '../../autograd/node.js';
import { kernels } from '../../backend/compute.js';
import type { View } from '../../backend/contract.js';
import { ExprBuilder } from '../../expr/build.js';
import type { ExprProgram } from '../../expr/ir.js';
import { hasExpressionKernel } from '../../expr/op.js';
import { runExpression } from '../../expr/run.js';
import { cat, stack } from '../../ops/indexing.js';
import { empty } from '../../ops/kernel.js';
import { contiguous, detach } from '../../ops/view.js';
import type { Tensor } from '../../tensor/tensor.js';
import { fusedKernel } from './fused.js';

const programs = new Map<string, ExprProgram>();

/** Build (once) the program `name`. */
function program(name: string, build: (b: ExprBuilder) => number[]): ExprProgram {
  let p = programs.get(name);
  if (!p) {
    const b = new ExprBuilder(name);
    p = b.build(build(b));
    programs.set(name, p);
  }
  return p;
}

/** The activated gates i, f, g, o of pre-activations gx + gh (inputs gx_i..gx_o, gh_i..gh_o). */
function gates(b: ExprBuilder): number[] {
  const pre = (k: number) => b.add(b.load(k), b.load(4 + k));
  return [
    b.unary('sigmoid', pre(0)),
    b.unary('sigmoid', pre(1)),
    b.unary('tanh', pre(2)),
    b.unary('sigmoid', pre(3)),
  ];
}

/**
 * One forward step. Inputs: gx_i..gx_o, gh_i..gh_o, c_prev. Outputs: h, c and the activated
 * gates i, f, g, o, kept for the backward: with them and c, a step's gradient needs one
 * transcendental (tanh c) instead of six.
 */
function forwardProgram(): ExprProgram {
  return program('lstmSeq', (b) => {
    const [i, f, g, o] = gates(b);
    const c = b.add(b.mul(f, b.load(8)), b.mul(i, g));
    return [b.mul(o, b.unary('tanh', c)), c, i, f, g, o];
  });
}

/**
 * The gate gradients of one step. Inputs: i, f, g, o (0-3), c_prev (4), c (5), dh and dc
 * from outside the recurrence (6, 7: the output's and h_n/c_n's rows of the node's
 * gradient) and, unless `last`, from the next step (8, 9). Outputs: the gradients of the
 * four gate pre-activations and of c_prev.
 */
function gradProgram(last: boolean): ExprProgram {
  return program(last ? 'lstmSeqGradLast' : 'lstmSeqGrad', (b) => {
    const one = b.const(1);
    const [i, f, g, o] = [0, 1, 2, 3].map((k) => b.load(k));
    const tc = b.unary('tanh', b.load(5));
    const dh = last ? b.load(6) : b.add(b.load(6), b.load(8));
    const dcIn = last ? b.load(7) : b.add(b.load(7), b.load(9));
    // h = o tanh(c), c = f c_prev + i g; sigmoid' = s (1 - s), tanh' = 1 - t^2.
    const dc = b.add(dcIn, b.mul(b.mul(dh, o), b.sub(one, b.mul(tc, tc))));
    const sig = (s: number) => b.mul(s, b.sub(one, s));
    const di = b.mul(b.mul(dc, g), sig(i));
    const df = b.mul(b.mul(dc, b.load(4)), sig(f));
    const dg = b.mul(b.mul(dc, i), b.sub(one, b.mul(g, g)));
    const dO = b.mul(b.mul(dh, tc), sig(o));
    return [di, df, dg, dO, b.mul(dc, f)];
  });
}

/** 1 - t, recorded. */
function oneMinus(t: Tensor): Tensor {
  return t.neg().add(1);
}

/** s (1 - s): the slope of s = sigmoid(x), recorded. */
function sigmoidSlope(s: Tensor): Tensor {
  return s.mul(oneMinus(s));
}

/** The G column blocks of a [B, G*H] tensor, each [B, H]. */
function blocks(t: Tensor, G: number, H: number): Tensor[] {
  return Array.from({ length: G }, (_, k) => t.narrow(1, k * H, H));
}

/** True when {@link lstmSequence} runs this layer: float32 on a backend with expression kernels. */
export function lstmSequenceApplies(xp: Tensor, h0: Tensor, c0: Tensor, hasProjection: boolean): boolean {
  return (
    !hasProjection &&
    hasExpressionKernel(xp.backend) &&
    [xp, h0, c0].every((t) => t.dtype === 'float32' && t.size > 0)
  );
}

/** The view of `v`'s buffer at `offset` elements past `v`'s own, with `shape` and `strides`. */
function at(v: View, offset: number, shape: number[], strides: number[]): View {
  return { buffer: v.buffer, dtype: v.dtype, offset: v.offset + offset, shape, strides };
}

/** A 2-D view as the [1, M, N] batch the matmul kernel takes. */
function batch1(t: Tensor): View {
  const v = t._view('matmul');
  return { ...v, shape: [1, ...v.shape], strides: [0, ...v.strides] };
}

/** `out = a @ b` for 2-D a, b, written into the 2-D `out` (one matmul kernel, unrecorded). */
function mmInto(a: Tensor, b: Tensor, out: Tensor): void {
  kernels(a.backend).matmul(batch1(a), batch1(b), batch1(out));
}

/**
 * xp [T, B, 4H] (x W_ih^T plus both biases, gate order i, f, g, o), h0, c0 [B, H], wHh
 * [4H, H] -> [output [T, B, H], h_n, c_n].
 */
export function lstmSequence(
  xp: Tensor,
  h0: Tensor,
  c0: Tensor,
  wHh: Tensor,
  reverse: boolean,
): [Tensor, Tensor, Tensor] {
  const [T, B, G4] = xp.shape;
  const H = G4 / 4;
  const be = xp.backend;
  const init = reverse ? T : 0;
  const row = (t: number) => (reverse ? t : t + 1);
  const prev = (t: number) => (reverse ? t + 1 : t);
  const order = (s: number) => (reverse ? T - 1 - s : s);

  // Row r of y is [h_r, c_r]: the [2, B, H] block a cell kernel writes.
  const y = empty([T + 1, 2, B, H], 'float32', be);
  const act = empty([T, B, G4], 'float32', be);
  be.copy(h0._view(), y.select(0, init).select(0, 0)._view());
  be.copy(c0._view(), y.select(0, init).select(0, 1)._view());
  const x = contiguous(detach(xp));
  const wT = detach(wHh).t().contiguous();
  const ght = empty([B, G4], 'float32', be);
  // The backend's hand-written cell where it has one (wasm, B16 H128, 32 steps: 0.95 ms
  // against 3.2 ms for the expression, CPU time); it also writes the activated gates.
  const cell = fusedKernel(be, 'lstmCell');
  const fwd = cell ? null : forwardProgram();
  const xv = x._view();
  const yv = y._view();
  const av = act._view();
  const wv = batch1(wT);
  const gv = batch1(ght);
  const BH = B * H;
  for (let s = 0; s < T; s++) {
    const t = order(s);
    if (cell) {
      // Views by offset, no tensor handles: the step's JS is most of its cost at this size.
      const hPrev = at(yv, 2 * prev(t) * BH, [1, B, H], [0, H, 1]);
      kernels(be).matmul(hPrev, wv, gv);
      cell(
        at(xv, t * B * G4, [B, G4], [G4, 1]),
        ght._view(),
        at(yv, (2 * prev(t) + 1) * BH, [B, H], [H, 1]),
        at(yv, 2 * row(t) * BH, [2, B, H], [BH, H, 1]),
        at(av, t * B * G4, [B, G4], [G4, 1]),
        { batch: B, hidden: H },
      );
    } else {
      const yPrev = y.select(0, prev(t));
      const yRow = y.select(0, row(t));
      mmInto(yPrev.select(0, 0), wT, ght);
      const ins = [...blocks(x.select(0, t), 4, H), ...blocks(ght, 4, H), yPrev.select(0, 1)];
      const into = [yRow.select(0, 0), yRow.select(0, 1), ...blocks(act.select(0, t), 4, H)];
      runExpression(fwd!, ins, { into });
    }
  }

  const need = [xp, h0, c0, wHh].map((t) => t.requiresGrad);
  const out = attach(y, 'lstmSequence', [xp, h0, c0, wHh], [xp, wHh, y, act], (gY, [sx, sw, sy, sAct]) => {
    // createGraph: differentiable ops throughout, the gates recomputed from the wired
    // input and states (the saved gates are raw kernel output, constants to the graph).
    const diff = isGradEnabled();
    let dG: Tensor | null = null;
    const dGs: Tensor[] = new Array(T);
    let dhRec: Tensor | null = null;
    let dcRec: Tensor | null = null;
    if (!diff) {
      // One expression and one matmul kernel a step on views computed by offset.
      dG = empty([T, B, G4], 'float32', be);
      const dh = empty([B, H], 'float32', be);
      const dc = empty([B, H], 'float32', be);
      // lstmSequenceApplies checked that the backend has the kernel.
      const expr = fusedKernel(be, 'expression')!;
      const g = contiguous(gY)._view();
      const yv2 = sy._view();
      const av2 = sAct._view();
      const dv = dG._view();
      const w3 = batch1(sw);
      const dh3 = batch1(dh);
      const hv = dh._view();
      const cv = dc._view();
      const bh = (v: View, off: number) => at(v, off, [B, H], [H, 1]);
      const gate = (v: View, t: number, k: number) => at(v, t * B * G4 + k * H, [B, H], [G4, 1]);
      for (let s = T - 1; s >= 0; s--) {
        const t = order(s);
        const first = s === T - 1;
        const inputs = [0, 1, 2, 3].map((k) => gate(av2, t, k));
        inputs.push(bh(yv2, (2 * prev(t) + 1) * BH), bh(yv2, (2 * row(t) + 1) * BH));
        inputs.push(bh(g, 2 * row(t) * BH), bh(g, (2 * row(t) + 1) * BH));
        if (!first) inputs.push(hv, cv);
        const outputs = [0, 1, 2, 3].map((k) => gate(dv, t, k));
        outputs.push(cv);
        expr({ program: gradProgram(first), inputs, outputs, params: [] });
        if (s > 0 || need[1]) kernels(be).matmul(at(dv, t * B * G4, [1, B, G4], [0, G4, 1]), w3, dh3);
      }
      dhRec = dh;
      dcRec = dc;
    } else {
      for (let s = T - 1; s >= 0; s--) {
        const t = order(s);
        const yPrev = sy.select(0, prev(t));
        const gRow = gY.select(0, row(t));
        const pre = sx.select(0, t).add(yPrev.select(0, 0).matmul(sw.t()));
        const sig = pre.sigmoid();
        const [i, f, o] = [0, 1, 3].map((k) => sig.narrow(1, k * H, H));
        const g = pre.narrow(1, 2 * H, H).tanh();
        const tc = sy.select(0, row(t)).select(0, 1).tanh();
        const dh: Tensor = dhRec ? gRow.select(0, 0).add(dhRec) : gRow.select(0, 0);
        const dcIn: Tensor = dcRec ? gRow.select(0, 1).add(dcRec) : gRow.select(0, 1);
        const dc: Tensor = dcIn.add(dh.mul(o).mul(oneMinus(tc.square())));
        const dGt = cat(
          [
            dc.mul(g).mul(sigmoidSlope(i)),
            dc.mul(yPrev.select(0, 1)).mul(sigmoidSlope(f)),
            dc.mul(i).mul(oneMinus(g.square())),
            dh.mul(tc).mul(sigmoidSlope(o)),
          ],
          1,
        );
        dGs[t] = dGt;
        dcRec = dc.mul(f);
        if (s > 0 || need[1]) dhRec = dGt.matmul(sw);
      }
    }
    const dXp = dG ?? stack(dGs, 0);
    let dW: Tensor | null = null;
    if (need[3]) {
      const hPrev = sy
        .narrow(0, reverse ? 1 : 0, T)
        .select(1, 0)
        .reshape([T * B, H]);
      dW = dXp
        .reshape([T * B, G4])
        .t()
        .matmul(hPrev);
    }
    // The initial-state row of y is a copy of h0 and c0: its gradient joins theirs.
    const gInit = gY.select(0, init);
    const dh0 = need[1] && dhRec ? dhRec.add(gInit.select(0, 0)) : null;
    const dc0 = need[2] && dcRec ? dcRec.add(gInit.select(0, 1)) : null;
    return [need[0] ? dXp : null, dh0, dc0, dW];
  });
  const hs = out.select(1, 0);
  const last = out.select(0, reverse ? 0 : T);
  return [hs.narrow(0, reverse ? 0 : 1, T), last.select(0, 0), last.select(0, 1)];
}
