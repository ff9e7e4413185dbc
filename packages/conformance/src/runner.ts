/**
 * Runs one fixture case on the current backend: forward, then backward with the fixture's
 * gradOut, comparing each output and each input gradient with PyTorch.
 */
import * as L from '@layers/core';
import { type Actual, type Comparison, compareTensor } from './compare.js';
import {
  decodeNumber,
  decodeValues,
  type EncodedTensor,
  type FixtureCase,
  isEncodedTensor,
  type MaterialisedInput,
  materialise,
  toTypedArray,
} from './fixtures.js';
import { compareHalf, type HalfDType, halfToleranceFor } from './half-tolerances.js';
import { NOT_TWICE } from './ops/higher-order.js';
import { type Arg, accumulation, lookupOp, MissingApi } from './ops.js';
import { type ToleranceTable, toleranceFor } from './tolerances.js';

/** Outcome of {@link runCase}. */
export interface CaseResult {
  /** True when the output and every checked gradient are within tolerance. */
  ok: boolean;
  /** Worst error / tolerance ratio over every compared tensor. */
  ratio: number;
  /** One line per mismatch (tensor, worst element, both values, tolerance). */
  messages: string[];
  /** Fused kernels served by core's fallback while the case ran (from L.pathLog). */
  fallback: string[];
  /** Fused kernels served by the backend while the case ran. */
  fused: string[];
}

async function readActual(t: L.Tensor): Promise<Actual> {
  const data = await t.data();
  return { shape: t.shape, dtype: t.dtype, data };
}

const isHalfDType = (d: string): d is HalfDType => d === 'float16' || d === 'bfloat16';

/**
 * A 16-bit tensor against its float64 reference, in ulps of the dtype (half-tolerances.ts);
 * null when `expected` is not 16-bit (compareTensor's float32 rules apply).
 */
async function compareHalfTensor(
  label: string,
  t: L.Tensor,
  expected: EncodedTensor,
  float32: ReturnType<typeof toleranceFor>,
  kind: 'out' | 'grad',
  op: string,
  torchUlps?: number | null,
): Promise<Comparison | null> {
  const dtype = expected.dtype;
  if (!isHalfDType(dtype)) return null;
  const same = t.shape.length === expected.shape.length && t.shape.every((d, i) => d === expected.shape[i]);
  if (t.dtype !== dtype || !same) {
    return {
      ok: false,
      ratio: Number.POSITIVE_INFINITY,
      message: `${label}: ${t.dtype} [${t.shape.join(', ')}], expected ${dtype} [${expected.shape.join(', ')}]`,
    };
  }
  const got = L.decodeHalf(dtype, await t.data());
  const tol = halfToleranceFor(op, float32, kind, { dtype, torchUlps });
  return compareHalf(label, dtype, got, decodeValues(expected), tol, kind === 'out' && !float32.perK);
}

/**
 * Run one fixture case on the current backend: build the inputs, call the op through {@link OPS},
 * compare the output (and gradients, when the case has them) with the PyTorch values under
 * `table`. Throws {@link MissingApi} when the op has no mapping.
 */
export async function runCase(c: FixtureCase, table: ToleranceTable): Promise<CaseResult> {
  const fn = lookupOp(c.op);
  // A fixture op without a mapping is a gap in the suite, not a backend failure: reported as
  // 'missing' in the matrix (add it to ops.ts or pass it through registerOps).
  if (!fn) throw new MissingApi(`conformance: no mapping for fixture op '${c.op}' (case ${c.name})`);
  const wantGrads = c.grads !== undefined;
  const leaves: MaterialisedInput[] = [];
  const results: Comparison[] = [];
  const accum = accumulation(c);
  L.pathLog.reset();

  // Inputs, outputs and grads are disposed at the end; views and intermediates are left to
  // core's FinalizationRegistry (readback is async, so the case cannot run inside tidy).
  const outs: L.Tensor[] = [];
  try {
    const args: Arg[] = c.inputs.map((x): Arg => {
      if (x === null) return null;
      if (isEncodedTensor(x)) {
        const m = materialise(x, wantGrads);
        leaves.push(m);
        return m.value;
      }
      if ('scalar' in x) return decodeNumber(x.scalar);
      return x.tensors.map((t) => {
        const m = materialise(t, wantGrads);
        leaves.push(m);
        return m.value;
      });
    });
    // nonzero and maskedSelect are async (their size depends on the data).
    const raw = await fn(args, c.attrs);
    outs.push(...(Array.isArray(raw) ? raw : [raw]));
    const expOuts = Array.isArray(c.out) ? c.out : [c.out];
    if (outs.length !== expOuts.length) {
      return fail(`expected ${expOuts.length} outputs, got ${outs.length}`);
    }
    for (let i = 0; i < outs.length; i++) {
      const exp = expOuts[i];
      const label = outs.length > 1 ? `output ${i}` : 'output';
      const half = await compareHalfTensor(
        label,
        outs[i],
        exp,
        toleranceFor(table, c.op, 'float32'),
        'out',
        c.op,
      );
      if (half) {
        results.push(half);
        continue;
      }
      const tol = toleranceFor(table, c.op, exp.dtype as 'float32' | 'int32' | 'bool');
      // Sign of zero is checked where the op has one rounding per element and PyTorch says
      // which zero (relu(-0) = -0, floor(-0.5) = -0); sums may end on either.
      const signedZeros = !tol.perK;
      results.push(compareTensor(label, await readActual(outs[i]), exp, tol, { accum, signedZeros }));
    }

    if (wantGrads && c.gradOut && c.grads) {
      const gouts = Array.isArray(c.gradOut) ? c.gradOut : [c.gradOut];
      const diff = outs.map((o, i) => ({ o, g: gouts[i] })).filter(({ o }) => o.requiresGrad);
      try {
        if (diff.length === 1 && outs.length === 1) {
          diff[0].o.backward(gradTensor(diff[0].g));
        } else if (diff.length > 0) {
          // sum(out_i * gradOut_i) over every differentiable output (split, chunk).
          let loss: L.Tensor | null = null;
          for (const { o, g } of diff) {
            const term = o.mul(gradTensor(g)).sum();
            loss = loss ? loss.add(term) : term;
          }
          loss!.backward();
        }
      } catch (e) {
        if (e instanceof Error && NOT_TWICE.test(e.message)) throw new MissingApi(e.message);
        throw e;
      }
      const gtol = toleranceFor(table, c.op, 'grad');
      for (let i = 0; i < c.grads.length; i++) {
        const expected = c.grads[i];
        if (!expected) continue;
        const leaf = leaves[i].leaf;
        const label = `grad of input ${i}`;
        if (leaf.grad === null) {
          // A non-differentiable op (floor, sign...) may leave grad unset: PyTorch says zero.
          const zero = expected.data.every((v) => decodeNumber(v) === 0);
          results.push({
            ok: zero,
            ratio: zero ? 0 : Number.POSITIVE_INFINITY,
            message: zero
              ? `${label}: none (zero expected)`
              : `${label}: grad is null, expected non-zero values`,
          });
          continue;
        }
        const torch = c.torchGradUlps?.[i];
        const half = await compareHalfTensor(label, leaf.grad, expected, gtol, 'grad', c.op, torch);
        results.push(half ?? compareTensor(label, await readActual(leaf.grad), expected, gtol, { accum }));
      }
    }
  } finally {
    for (const o of outs) if (!o.isDisposed) o.dispose();
    for (const l of leaves) {
      if (l.leaf.isDisposed) continue;
      const g = l.leaf.grad;
      if (g && !g.isDisposed) g.dispose();
      l.leaf.dispose();
    }
  }
  const failed = results.filter((r) => !r.ok);
  return {
    ok: failed.length === 0,
    ratio: results.reduce((m, r) => Math.max(m, r.ratio), 0),
    messages: (failed.length ? failed : results).map((r) => r.message),
    fallback: L.pathLog.fallback(),
    fused: L.pathLog.fused(),
  };

  function fail(msg: string): CaseResult {
    return { ok: false, ratio: Number.POSITIVE_INFINITY, messages: [msg], fallback: [], fused: [] };
  }
}

function gradTensor(g: EncodedTensor): L.Tensor {
  return L.tensor(toTypedArray(g), { shape: g.shape, dtype: g.dtype });
}
