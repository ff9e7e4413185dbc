/**
 * Comparing layers output with PyTorch's float64 reference. An element passes when
 * |actual - expected| <= atol + rtol * |expected| (scaled for accumulating ops, see
 * tolerances.ts); NaN must match NaN, infinities must match exactly, and with `signedZeros`
 * an expected -0 or +0 must come back as that zero.
 */
import { decodeValues, type EncodedTensor } from './fixtures.js';
import type { Tolerance } from './tolerances.js';

/** Values read back from a layers tensor, for {@link compareTensor}. */
export interface Actual {
  /** Shape of the tensor. */
  shape: readonly number[];
  /** Its dtype. */
  dtype: string;
  /** Its values, row-major. */
  data: ArrayLike<number>;
}

/** Outcome of {@link compareTensor}. */
export interface Comparison {
  /** True when every element is within tolerance (NaN matches NaN, infinities must match exactly). */
  ok: boolean;
  /** Worst |error| / allowed over the tensor (0 when exact; Infinity for NaN/inf mismatch). */
  ratio: number;
  /**
   * One line: the worst ratio when ok; else the mismatch count, the worst element, both values
   * and the allowed error.
   */
  message: string;
}

/** Options of {@link compareTensor}. */
export interface CompareOptions {
  /** Accumulation length (matmul K, number of reduced elements); scales a `perK` tolerance. */
  accum?: number;
  /**
   * Zeros must carry the expected sign (-0 is not +0). Right for ops that move, select or
   * round single values; accumulating ops may legitimately end a sum on either zero.
   */
  signedZeros?: boolean;
  /**
   * A floor for |expected| in the rtol term, where the caller knows the magnitude of the terms
   * an element sums (a gradient of gather or cat sums gradOut values: their size, not the sum's).
   */
  scale?: number;
}

/** Root mean square of the finite values (0 when there are none). */
export function rmsOf(values: ArrayLike<number>): number {
  let ss = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const e = values[i];
    if (Number.isFinite(e)) {
      ss += e * e;
      n++;
    }
  }
  return n > 0 ? Math.sqrt(ss / n) : 0;
}

function fmt(n: number): string {
  if (Object.is(n, -0)) return '-0';
  return Number.isFinite(n) ? n.toPrecision(9) : String(n);
}

/**
 * Compare a tensor read back from layers with a fixture's expected one under `tol`: shapes and
 * dtypes must match, then every element must satisfy `|actual - expected| <= atol + rtol * |expected|`
 * (scaled by `opts.accum` for a `perK` tolerance). `label` starts the message.
 */
export function compareTensor(
  label: string,
  actual: Actual,
  expected: EncodedTensor,
  tol: Tolerance,
  opts: CompareOptions = {},
): Comparison {
  const sameShape =
    actual.shape.length === expected.shape.length && actual.shape.every((d, i) => d === expected.shape[i]);
  if (!sameShape) {
    return {
      ok: false,
      ratio: Number.POSITIVE_INFINITY,
      message: `${label}: shape [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`,
    };
  }
  if (actual.dtype !== expected.dtype) {
    return {
      ok: false,
      ratio: Number.POSITIVE_INFINITY,
      message: `${label}: dtype ${actual.dtype}, expected ${expected.dtype}`,
    };
  }
  const exp = decodeValues(expected);
  const k = tol.perK ? Math.max(1, opts.accum ?? 1) : 1;
  // For accumulating ops an element's error follows the magnitude of the terms summed, not
  // of the (possibly cancelled) result: use the tensor's RMS as a floor for |expected|.
  let scale = opts.scale ?? 0;
  if (tol.perK) scale = Math.max(scale, rmsOf(exp));
  let worst = 0;
  let worstIdx = -1;
  let worstErr = 0;
  let worstAllowed = 0;
  let mismatches = 0;
  for (let i = 0; i < exp.length; i++) {
    const e = exp[i];
    const a = actual.data[i];
    let ratio: number;
    let err: number;
    let allowed: number;
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      const same = Number.isNaN(e) ? Number.isNaN(a) : a === e;
      err = same ? 0 : Number.POSITIVE_INFINITY;
      allowed = 0;
      ratio = same ? 0 : Number.POSITIVE_INFINITY;
    } else {
      err = Math.abs(a - e);
      if (Number.isNaN(err)) err = Number.POSITIVE_INFINITY;
      allowed = k * (tol.atol + tol.rtol * Math.max(Math.abs(e), scale));
      ratio = err === 0 ? 0 : allowed === 0 ? Number.POSITIVE_INFINITY : err / allowed;
      if (opts.signedZeros && e === 0 && a === 0 && Object.is(e, -0) !== Object.is(a, -0)) {
        err = Number.POSITIVE_INFINITY;
        ratio = Number.POSITIVE_INFINITY;
      }
    }
    if (ratio > 1) mismatches++;
    if (ratio > worst || worstIdx < 0) {
      worst = ratio;
      worstIdx = i;
      worstErr = err;
      worstAllowed = allowed;
    }
  }
  const ok = mismatches === 0;
  const message = ok
    ? `${label}: ok (worst ${worst.toFixed(3)} of tolerance)`
    : `${label}: ${mismatches}/${exp.length} elements outside tolerance; worst at flat index ${worstIdx}` +
      ` (${indexToCoord(worstIdx, expected.shape)}): expected ${fmt(exp[worstIdx])}, got ${fmt(actual.data[worstIdx])},` +
      ` |error| ${fmt(worstErr)} > allowed ${fmt(worstAllowed)} (atol ${tol.atol}, rtol ${tol.rtol}` +
      `${tol.perK ? `, x${k} accumulation` : ''})`;
  return { ok, ratio: worst, message };
}

function indexToCoord(i: number, shape: readonly number[]): string {
  const c: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    c.unshift(i % shape[d]);
    i = Math.floor(i / shape[d]);
  }
  return `[${c.join(', ')}]`;
}
