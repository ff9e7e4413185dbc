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
import { maximum, minimum, where } from '../ops/elementwise.js';
import { max, min } from '../ops/reduce.js';
import { keep, tidy } from './scope.js';
import type { Tensor } from './tensor.js';

interface Pending {
  lo: Tensor;
  hi: Tensor;
  size: number;
  message: (v: number) => string;
}

/** Pending checks by backend and key. */
const pending = new Map<string, Pending>();

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
  const [lo, hi] = noGrad(() =>
    tidy(() => {
      // Ignored entries count as 0, which is in range for any non-empty dimension.
      const v = ignore === null ? index : where(index.eq(ignore), 0, index);
      return [min(v), max(v)];
    }),
  );
  const k = `${index.backend.name}:${key}:${size}`;
  const prev = pending.get(k);
  if (!prev) {
    pending.set(k, { lo: keep(lo), hi: keep(hi), size, message });
    return;
  }
  pending.set(k, {
    lo: keep(noGrad(() => minimum(prev.lo, lo))),
    hi: keep(noGrad(() => maximum(prev.hi, hi))),
    size,
    message,
  });
  for (const t of [prev.lo, prev.hi, lo, hi]) t.dispose();
}

/** Read every queued check; throw the first that failed. Called before any readback. */
export async function drainChecks(): Promise<void> {
  if (pending.size === 0) return;
  const list = [...pending.values()];
  pending.clear();
  let failed: string | null = null;
  for (const { lo, hi, size, message } of list) {
    const [l] = await lo.data();
    const [h] = await hi.data();
    lo.dispose();
    hi.dispose();
    if (failed !== null) continue;
    if (h >= size) failed = message(h);
    else if (l < 0) failed = message(l);
  }
  if (failed !== null) throw new RangeError(failed);
}
