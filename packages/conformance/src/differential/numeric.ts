/**
 * The numerics of the differential checks: finite differences of the float64 reference, the
 * conditioning of an op at its inputs (how far it moves under rounding-sized input changes),
 * and the allowances derived from them.
 */
import type { Actual } from '../compare.js';
import type { EncodedTensor } from '../fixtures.js';
import type { Step } from './programs.js';
import { type ND, numelOf } from './ref.js';

export const rmsOf = (x: ND) => {
  let ss = 0;
  let n = 0;
  for (const v of x.data)
    if (Number.isFinite(v)) {
      ss += v * v;
      n++;
    }
  return n ? Math.sqrt(ss / n) : 0;
};

export /** The size of the terms one output element of an accumulating op sums. */
function termScale(op: string, x: ND, extra: ND[]): number {
  if (op === 'matmul' || op === 'conv2d') return rmsOf(x) * rmsOf(extra[0]);
  return op === 'sum' || op === 'mean' || op === 'avgPool2d' ? rmsOf(x) : 0;
}

/** Float inputs moved by 4 float32 ulps (alternating signs): the rounding any float32 algorithm makes. */
export const moved = (x: ND): ND => ({
  shape: x.shape,
  data: x.data.map((v, i) => v * (1 + (i % 2 ? 4 : -4) * 2 ** -24)),
});

/**
 * How far the float64 op moves when its inputs move by 4 ulps: per element (abs), and as a
 * factor over the 4-ulp change itself (1 for a well-conditioned op, large for layerNorm of a
 * nearly constant row or softmax of large logits).
 */
export function conditioning(want: ND, wantMoved: ND): { abs: Float64Array; factor: number } {
  const abs = want.data.map((v, i) => {
    const d = Math.abs(wantMoved.data[i] - v);
    return Number.isFinite(d) ? d : 0;
  });
  const rms = rmsOf(want);
  let factor = 1;
  want.data.forEach((v, i) => {
    const unit = 4 * 2 ** -24 * Math.max(Math.abs(v), rms);
    if (unit > 0 && abs[i] > 0) factor = Math.max(factor, abs[i] / unit);
  });
  return { abs, factor };
}

/**
 * `expected` with each finite element the backend got within twice the conditioning spread
 * replaced by the backend's value: no float32 algorithm can be held closer than that.
 */
export function within(got: Actual, expected: EncodedTensor, spread: Float64Array): EncodedTensor {
  const data = expected.data.map((e, i) => {
    const a = got.data[i];
    if (
      typeof e !== 'number' ||
      !Number.isFinite(e) ||
      !Number.isFinite(a) ||
      spread.length !== expected.data.length
    )
      return e;
    return Math.abs(a - e) <= 2 * spread[i] ? a : e;
  });
  return { ...expected, data };
}

/** A deterministic gradOut with values in [-1, 1] (the grad tolerances' atol assumes |gradOut| <= 1). */
export const gradOut = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed));

/**
 * Finite differences of step `s` with respect to its input `j` (NaN where the op is not smooth)
 * and their spread under 4-ulp input changes; null where they cannot be trusted: many or
 * non-finite inputs, or outputs so large that h vanishes in their ulps.
 */
export function differences(
  s: Step,
  ins: ND[],
  isIndex: boolean[],
  j: number,
  seed: number,
  n: number,
): { value: Float64Array; spread: Float64Array } | null {
  const floats = ins.reduce((t, x, i) => t + (isIndex[i] ? 0 : x.data.length), 0);
  if (floats > 200 || !ins.every((x) => x.data.every(Number.isFinite))) return null;
  if (ins.some((x, i) => !isIndex[i] && x.data.some((v) => Math.abs(v) > 1e4))) return null;
  const f = (xs: ND[]) => s.ref(xs[0], xs.slice(1)).data;
  if (f(ins).some((v) => !Number.isFinite(v) || Math.abs(v) > 1e4)) return null;
  const g = gradOut(n, seed);
  const movedIns = ins.map((x, i) => (isIndex[i] ? x : moved(x)));
  const a = finiteDifferences(f, g, ins, j);
  const b = finiteDifferences(f, g, movedIns, j);
  return {
    value: Float64Array.from(a, (v) => v ?? Number.NaN),
    spread: Float64Array.from(a, (v, i) =>
      v === null || b[i] === null ? 0 : Math.abs((b[i] as number) - v),
    ),
  };
}

/**
 * d/dx_j of sum(f(x) * g) by differences of the float64 op, output element by output element
 * (an element that does not depend on x_j differs by exactly 0, so huge or infinite
 * neighbours cannot absorb the change). Two tests keep only the points where the op is
 * smooth (null elsewhere): one-sided differences whose gap does not shrink with h (a kink, a
 * tie of max), or central differences that move with h (a step of floor within h).
 */
export function finiteDifferences(
  f: (xs: ND[]) => Float64Array,
  g: Float32Array,
  xs: ND[],
  li: number,
): (number | null)[] {
  const x = xs[li];
  const base = f(xs);
  const delta = (y: Float64Array) => {
    let acc = 0;
    for (let i = 0; i < y.length; i++) if (y[i] !== base[i]) acc += g[i] * (y[i] - base[i]);
    return acc;
  };
  const sided = (j: number, h: number): [number, number] => {
    const orig = x.data[j];
    x.data[j] = orig + h;
    const up = delta(f(xs)) / h;
    x.data[j] = orig - h;
    const down = -delta(f(xs)) / h;
    x.data[j] = orig;
    return [up, down];
  };
  const out: (number | null)[] = [];
  for (let j = 0; j < numelOf(x.shape); j++) {
    const h = 1e-4 * Math.max(1, Math.abs(x.data[j]));
    const [u1, d1] = sided(j, h);
    const [u2, d2] = sided(j, h / 4);
    const c1 = (u1 + d1) / 2;
    const c2 = (u2 + d2) / 2;
    const scale = Math.max(1, Math.abs(c2));
    const kink = Math.abs(u2 - d2) > 0.6 * Math.abs(u1 - d1) && Math.abs(u1 - d1) > 1e-7 * scale;
    const smooth = Number.isFinite(c1) && Number.isFinite(c2) && !kink && Math.abs(c1 - c2) <= 1e-6 * scale;
    out.push(smooth ? c2 : null);
  }
  return out;
}
