/**
 * Runs one differential program on a backend and checks it three ways:
 *
 * 1. Each step against the float64 reference applied to the step's actual float32 inputs
 *    (read back from the backend), within that op's tolerance from tolerances.ts: the check
 *    is per op, so an error is attributed to the op that made it and never compounds.
 * 2. Each step against the reference backend (cpu) run on the same inputs: both are within
 *    the op's tolerance of the truth, so they may differ by twice that; special values (NaN,
 *    +-Inf, signed zeros where the op defines them) must agree exactly.
 * 3. The gradients of sum(out * gradOut) with respect to every float leaf, against the
 *    reference backend's and, for small programs without special values, against central
 *    finite differences of the float64 program. A gradient chains every step, so its
 *    tolerance is the sum of the steps' gradient tolerances (each scaled by its accumulation).
 */
import * as L from '@layers/core';
import { type Actual, compareTensor } from '../compare.js';
import type { EncodedTensor } from '../fixtures.js';
import { type Tolerance, type ToleranceTable, toleranceFor } from '../tolerances.js';
import { conditioning, differences, gradOut, moved, termScale, within } from './numeric.js';
import { leafData, type Program } from './programs.js';
import { type ND, nd } from './ref.js';

const F32_OVERFLOW = 3.4028235677973366e38; // max float32 + half an ulp: rounds to infinity
/**
 * Smallest normal float32. Values below it are subnormal, which WGSL lets a device flush to
 * zero; an absolute error of this size is the float32 format's, not an op's.
 */
const FLT_MIN = 1.1754943508222875e-38;

/** Ops whose result on (-0, +0) ties PyTorch itself leaves to the kernel (scalar vs vector loop). */
const UNSIGNED_ZERO_OPS = new Set(['maximum', 'minimum', 'max', 'min', 'maxPool2d']);

/**
 * A whole program's gradient is compared with the reference backend's at 16 times the sum of
 * its steps' gradient tolerances: the steps' own numbers are held to their tolerances one by
 * one (stepGradients); this catches chain-rule and view-gradient errors, which are large, and
 * leaves room for the amplification of rounding along a chain (kappa, measured). Chains that
 * amplify more than that are compared in their special values only.
 */
const CHAIN_SLACK = 16;

/**
 * Ops whose value or gradient jumps at a threshold (where x > 0, floor, a kink, a tie): two
 * backends that round an input of the chain to either side of it (a softmax underflowing to 0
 * or to the smallest subnormal) legitimately disagree downstream. Their chains are compared in
 * special values only; each step is still held to its tolerance on its own inputs.
 */
const JUMP_OPS = new Set([
  'where',
  'floor',
  'ceil',
  'sign',
  'relu',
  'abs',
  'maximum',
  'minimum',
  'max',
  'min',
  'maxPool2d',
  'floorDivide',
]);

/** Ops computed as a short chain of float32 steps over a row (mean, max, exp, division). */
const NORMALISING_OPS = new Set(['layerNorm', 'softmax', 'logSoftmax']);

/**
 * Ops whose gradient elements sum gradOut values (local derivatives 0, 1 or 1/n) or gradOut
 * times unit-sized inputs (matmul, conv2d on the programs' normal inputs).
 */
const SELECTING_OPS = new Set([
  'matmul',
  'conv2d',
  'add',
  'sub',
  'sum',
  'mean',
  'max',
  'min',
  'where',
  'gather',
  'cat',
  'stack',
  'maxPool2d',
  'avgPool2d',
  'transpose',
  'permute',
  'slice',
  'reshape',
  'unsqueeze',
  'expand',
]);

/** @internal */
export interface ProgramResult {
  ok: boolean;
  messages: string[];
}

function encode(x: ND): EncodedTensor {
  const data = Array.from(x.data, (v) =>
    Number.isFinite(v) && Math.abs(v) >= F32_OVERFLOW ? Math.sign(v) * Infinity : v,
  );
  return { shape: x.shape, dtype: 'float32', data };
}

const toND = (shape: readonly number[], data: ArrayLike<number>): ND => nd([...shape], data);

async function read(t: L.Tensor): Promise<Actual> {
  return { shape: t.shape, dtype: t.dtype, data: await t.data() };
}

const scaled = (t: Tolerance, k: number): Tolerance => ({ ...t, atol: t.atol * k, rtol: t.rtol * k });

interface Run {
  leaves: L.Tensor[];
  outs: L.Tensor[];
}

/** Build the leaves on `backend` and run every step (grad recorded on the float leaves). */
function forward(p: Program, data: (Float32Array | Int32Array)[], backend: L.Backend, grad: boolean): Run {
  const leaves = p.leaves.map((l, i) =>
    L.tensor(data[i], {
      shape: l.shape,
      dtype: l.kind === 'index' ? 'int32' : 'float32',
      backend,
      requiresGrad: grad && l.kind !== 'index',
    }),
  );
  const outs: L.Tensor[] = [];
  let x = leaves[0];
  for (const s of p.steps) {
    x = s.run(
      x,
      s.leaves.map((i) => leaves[i]),
    );
    outs.push(x);
  }
  return { leaves, outs };
}

function dispose(r: Run): void {
  for (const t of [...r.outs, ...r.leaves]) {
    if (t.isDisposed) continue;
    if (t.grad && !t.grad.isDisposed) t.grad.dispose();
    t.dispose();
  }
}

/** @internal */
export async function runProgram(
  p: Program,
  backend: L.Backend,
  reference: L.Backend | null,
  table: ToleranceTable,
): Promise<ProgramResult> {
  const messages: string[] = [];
  const data = leafData(p);
  const leafND = p.leaves.map((l, i) => toND(l.shape, data[i]));
  const target = forward(p, data, backend, true);
  try {
    let input: ND = leafND[0];
    let kappa = 1; // the chain's forward amplification of input-sized rounding (for gradients)
    for (let k = 0; k < p.steps.length; k++) {
      const s = p.steps[k];
      const extra = s.leaves.map((i) => leafND[i]);
      const got = await read(target.outs[k]);
      const want = s.ref(input, extra);
      const movedExtra = extra.map((x, j) => (p.leaves[s.leaves[j]].kind === 'float' ? moved(x) : x));
      const spread = conditioning(want, s.ref(moved(input), movedExtra));
      kappa *= spread.factor;
      // Composite normalising ops are backward stable, not correctly rounded: their error is
      // that of rounding-sized input changes, which the spread measures. Elsewhere none.
      const allow = NORMALISING_OPS.has(s.op) ? spread.abs : new Float64Array(0);
      const tol = toleranceFor(table, s.op, 'float32');
      const signedZeros = !tol.perK && !UNSIGNED_ZERO_OPS.has(s.op);
      // A sum's error follows its terms, not its (possibly cancelled) value: floor |expected|
      // at the terms' size (the input's RMS, times the other operand's for products).
      const scale = s.accum > 1 ? termScale(s.op, input, extra) : 0;
      const label = `step ${k + 1} ${s.label}`;
      const floor = { ...tol, atol: Math.max(tol.atol, FLT_MIN) };
      const vsRef = compareTensor(`${label} vs float64`, got, within(got, encode(want), allow), floor, {
        accum: s.accum,
        signedZeros,
        scale,
      });
      if (!vsRef.ok) messages.push(vsRef.message);
      if (reference) {
        // The same op on the reference backend, from exactly the inputs this backend saw.
        const mk = (x: ND) => L.tensor(Float32Array.from(x.data), { shape: x.shape, backend: reference });
        const ins = [
          mk(input),
          ...s.leaves.map((i) =>
            L.tensor(data[i], {
              shape: p.leaves[i].shape,
              dtype: p.leaves[i].kind === 'index' ? 'int32' : 'float32',
              backend: reference,
            }),
          ),
        ];
        const r = s.run(ins[0], ins.slice(1));
        const want = await read(r);
        for (const t of [r, ...ins]) if (!t.isDisposed) t.dispose();
        const asExpected: EncodedTensor = {
          shape: [...want.shape],
          dtype: 'float32',
          data: Array.from(want.data),
        };
        const vsCpu = compareTensor(
          `${label} vs ${reference.name}`,
          got,
          within(got, asExpected, allow),
          scaled(floor, 2),
          { accum: s.accum, signedZeros, scale },
        );
        if (!vsCpu.ok) messages.push(vsCpu.message);
      }
      if (!s.noGrad) messages.push(...(await stepGradients(p, k, input, data, backend, reference, table)));
      input = toND(got.shape, got.data);
    }
    const last = target.outs[target.outs.length - 1];
    if (last?.requiresGrad && last.size > 0)
      messages.push(...(await gradients(p, data, target, reference, table, Math.min(kappa, 1e6))));
  } finally {
    dispose(target);
  }
  return { ok: messages.length === 0, messages };
}

async function gradients(
  p: Program,
  data: (Float32Array | Int32Array)[],
  target: Run,
  reference: L.Backend | null,
  table: ToleranceTable,
  kappa: number,
): Promise<string[]> {
  const messages: string[] = [];
  const last = target.outs[target.outs.length - 1];
  const g = gradOut(last.size, p.seed);
  last.backward(L.tensor(g, { shape: last.shape, backend: last.backend }));
  // The chain's tolerance: every step's gradient tolerance, scaled by its accumulation, times
  // CHAIN_SLACK; kappa (measured on the float64 reference) says when the chain is too
  // ill-conditioned for any two float32 backends to agree in its finite values.
  const budget = p.steps.reduce(
    (t, s) => {
      const st = toleranceFor(table, s.op, 'grad');
      const k = Math.max(1, s.gradAccum, s.accum);
      return { atol: t.atol + st.atol * k, rtol: t.rtol + st.rtol * k };
    },
    { atol: FLT_MIN, rtol: 0 },
  );
  const gtol: Tolerance = {
    atol: budget.atol * CHAIN_SLACK,
    rtol: budget.rtol * CHAIN_SLACK,
    perK: true,
  };
  const grads = await Promise.all(target.leaves.map(async (l) => (l.grad ? read(l.grad) : null)));
  if (reference) {
    const cpu = forward(p, data, reference, true);
    try {
      const cl = cpu.outs[cpu.outs.length - 1];
      cl.backward(L.tensor(g, { shape: cl.shape, backend: reference }));
      for (let i = 0; i < grads.length; i++) {
        const mine = grads[i];
        const theirs = cpu.leaves[i].grad;
        if (!mine || !theirs) {
          if (!mine !== !theirs)
            messages.push(`grad of leaf ${i}: ${mine ? 'absent' : 'present'} on ${reference.name} only`);
          continue;
        }
        const t = await read(theirs);
        const exp: EncodedTensor = { shape: [...t.shape], dtype: 'float32', data: Array.from(t.data) };
        // An ill-conditioned chain (kappa > CHAIN_SLACK) or one through a jump is compared in its
        // special values only: two float32 backends legitimately differ in its finite values.
        const loose = kappa > CHAIN_SLACK || p.steps.some((st) => JUMP_OPS.has(st.op));
        const spread = new Float64Array(loose ? exp.data.length : 0).fill(Number.POSITIVE_INFINITY);
        const c = compareTensor(
          `grad of leaf ${i} vs ${reference.name}`,
          mine,
          within(mine, exp, spread),
          scaled(gtol, 2),
        );
        if (!c.ok) messages.push(c.message);
      }
    } finally {
      dispose(cpu);
    }
  }
  return messages;
}

/**
 * One step's backward from its actual float32 inputs (fresh leaves, so the step is checked on
 * its own, at its own tolerance): against the reference backend's, and against central
 * differences of the float64 op where the inputs are few and finite.
 */
async function stepGradients(
  p: Program,
  k: number,
  input: ND,
  data: (Float32Array | Int32Array)[],
  backend: L.Backend,
  reference: L.Backend | null,
  table: ToleranceTable,
): Promise<string[]> {
  const s = p.steps[k];
  const ins: ND[] = [input, ...s.leaves.map((i) => toND(p.leaves[i].shape, data[i]))];
  const isIndex = [false, ...s.leaves.map((i) => p.leaves[i].kind === 'index')];
  const seed = p.seed + 7919 * (k + 1);
  const vjp = async (b: L.Backend) => {
    const ts = ins.map((x, j) =>
      isIndex[j]
        ? L.tensor(Int32Array.from(x.data), { shape: x.shape, dtype: 'int32', backend: b })
        : L.tensor(Float32Array.from(x.data), { shape: x.shape, backend: b, requiresGrad: true }),
    );
    const out = s.run(ts[0], ts.slice(1));
    const n = out.size;
    let grads: (Actual | null)[] = ts.map(() => null);
    if (n > 0 && out.requiresGrad) {
      out.backward(L.tensor(gradOut(n, seed), { shape: out.shape, backend: b }));
      grads = await Promise.all(ts.map(async (t) => (t.grad ? read(t.grad) : null)));
    }
    for (const t of [out, ...ts]) {
      if (t.grad && !t.grad.isDisposed) t.grad.dispose();
      if (!t.isDisposed) t.dispose();
    }
    return { grads, n };
  };
  const messages: string[] = [];
  const mine = await vjp(backend);
  if (mine.n === 0) return messages;
  const tol = scaled(toleranceFor(table, s.op, 'grad'), 1);
  const opts = { accum: Math.max(1, s.gradAccum), scale: SELECTING_OPS.has(s.op) ? 1 : 0 };
  const label = (j: number) => `step ${k + 1} ${s.label}: grad of input ${j}`;
  // Float64 finite differences where the inputs are few and finite, with their spread under
  // 4-ulp input changes (the op's conditioning): what any float32 backward can be held to.
  const fds = mine.grads.map((got, j) =>
    got && !isIndex[j] ? differences(s, ins, isIndex, j, seed, mine.n) : null,
  );
  mine.grads.forEach((got, j) => {
    const d = fds[j];
    if (!got || !d) return;
    const exp: EncodedTensor = {
      shape: [...got.shape],
      dtype: 'float32',
      data: Array.from(d.value, (v, i) => (Number.isNaN(v) ? got.data[i] : v)),
    };
    const c = compareTensor(
      `${label(j)} vs float64 finite differences`,
      got,
      within(got, exp, d.spread),
      tol,
      opts,
    );
    if (!c.ok) messages.push(c.message);
  });
  if (reference) {
    const theirs = await vjp(reference);
    mine.grads.forEach((g, j) => {
      const t = theirs.grads[j];
      if (!g || !t) return;
      const exp: EncodedTensor = { shape: [...t.shape], dtype: 'float32', data: Array.from(t.data) };
      const spread = fds[j]?.spread ?? new Float64Array(0);
      const c = compareTensor(
        `${label(j)} vs ${reference.name}`,
        g,
        within(g, exp, spread),
        scaled(tol, 2),
        opts,
      );
      if (!c.ok) messages.push(c.message);
    });
  }
  return messages;
}
