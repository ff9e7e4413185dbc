/**
 * Checks that need a value from the device (an index out of range) cannot run synchronously
 * on an asynchronous backend. As with CUDA's device-side asserts, core computes the
 * condition on the device, queues it here, and the next readback reports it, with the same
 * message the synchronous backends give at once (the op, an offending index and the bound).
 *
 * Repeated checks with the same key are merged on the device (the running minimum and
 * maximum of the indices), so a loop that never reads back holds two small tensors per
 * distinct check, not two per step.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { ExprBuilder } from '../expr/build.js';
import type { ExprProgram } from '../expr/ir.js';
import { runExpression } from '../expr/run.js';
import { maximum, minimum, where } from '../ops/elementwise.js';
import { empty } from '../ops/kernel.js';
import { max, min } from '../ops/reduce.js';
import { narrow, reshape } from '../ops/view.js';
import { keep, tidy } from './scope.js';
import type { Tensor } from './tensor.js';

interface Pending {
  /** max(v), or with `lo` null the int32 pair [max(v), max(-1 - v)] (see rangePair). */
  hi: Tensor;
  /** min(v), or null for the pair form. */
  lo: Tensor | null;
  size: number;
  message: (v: number) => string;
}

/** Pending checks by backend and key. */
const pending = new Map<string, Pending>();

const pairPrograms = new Map<string, ExprProgram>();

/**
 * Where the backend runs expressions: [max(v), max(-1 - v)] of the index (ignored entries
 * as 0) in ONE kernel, into an int32 [2] tensor read back at once. -1 - v never overflows
 * int32 (unlike -v), and min(v) = -1 - max(-1 - v). The composed check ran six kernels (two
 * fills, eq, where, min, max) and two reads per cross-entropy step on webgpu.
 */
function rangePair(index: Tensor, ignore: number | null): Tensor | null {
  if (index.backend.fused.expression === undefined) return null;
  const ig = ignore !== null && Number.isInteger(ignore) && Math.abs(ignore) <= 2 ** 31 - 1;
  if (ignore !== null && !ig) return null;
  const key = ig ? 'ignore' : 'plain';
  let program = pairPrograms.get(key);
  if (!program) {
    const b = new ExprBuilder('rangeCheck');
    const x = b.load(0, 'int32');
    const zero = b.const(0, 'int32');
    const v = ig ? b.where(b.binary('eq', x, b.param(0, 'int32')), zero, x) : x;
    program = b.build([v, b.sub(b.const(-1, 'int32'), v)], { reduce: 'max' });
    pairPrograms.set(key, program);
  }
  const n = index.size;
  const pair = empty([2], 'int32', index.backend);
  tidy(() =>
    runExpression(program, [reshape(index, [1, n])], {
      params: ig ? [ignore as number] : [],
      shape: [1, n],
      into: [narrow(pair, 0, 0, 1), narrow(pair, 0, 1, 1)],
    }),
  );
  return pair;
}

/**
 * Queue the check that every value of `index` (int32) other than `ignore` lies in
 * [0, size); `message(v)` is thrown at the next readback for an offending value v (the
 * largest one past the bound, else the most negative). `key` merges repeated checks.
 */
export function deferRangeCheck(
  index: Tensor,
  size: number,
  key: string,
  message: (v: number) => string,
  ignore: number | null = null,
): void {
  const pair = noGrad(() => rangePair(index, ignore));
  const [lo, hi] = pair
    ? [null, pair]
    : noGrad(() =>
        tidy(() => {
          // Ignored entries count as 0, which is in range for any non-empty dimension.
          const v = ignore === null ? index : where(index.eq(ignore), 0, index);
          return [min(v), max(v)];
        }),
      );
  const k = `${index.backend.name}:${key}:${size}`;
  const prev = pending.get(k);
  if (!prev) {
    pending.set(k, { lo: lo ? keep(lo) : null, hi: keep(hi), size, message });
    return;
  }
  // Merged on the device: the pair form's both halves are maxima.
  const both = (a: Tensor | null, b: Tensor | null, f: typeof minimum) =>
    a && b ? keep(noGrad(() => f(a, b))) : null;
  pending.set(k, {
    lo: both(prev.lo, lo, minimum),
    hi: both(prev.hi, hi, maximum) as Tensor,
    size,
    message,
  });
  for (const t of [prev.lo, prev.hi, lo, hi]) t?.dispose();
}

/** Read every queued check; throw the first that failed. Called before any readback. */
export async function drainChecks(): Promise<void> {
  if (pending.size === 0) return;
  const list = [...pending.values()];
  pending.clear();
  let failed: string | null = null;
  for (const { lo, hi, size, message } of list) {
    const hv = await hi.data();
    const h = hv[0];
    const l = lo ? (await lo.data())[0] : -1 - hv[1];
    lo?.dispose();
    hi.dispose();
    if (failed !== null) continue;
    if (h >= size) failed = message(h);
    else if (l < 0) failed = message(l);
  }
  if (failed !== null) throw new RangeError(failed);
}
