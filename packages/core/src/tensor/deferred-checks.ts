/**
 * Checks that need a value from the device (an index out of range) cannot run synchronously
 * on an asynchronous backend. As with CUDA's device-side asserts, core computes the
 * condition on the device, queues it here, and the next readback reports it.
 *
 * Repeated checks with the same message are OR-ed into one flag on the device, so a loop that
 * never reads back holds one small tensor per distinct check, not one per step.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { logicalOr } from '../ops/elementwise.js';
import { keep } from './scope.js';
import type { Tensor } from './tensor.js';

/** Pending flags by backend and message. */
const pending = new Map<string, { flag: Tensor; message: string }>();

/** Queue a bool scalar that must be false; `message` is thrown at the next readback if not. */
export function deferCheck(flag: Tensor, message: string): void {
  const key = `${flag.backend.name}:${message}`;
  const prev = pending.get(key);
  if (!prev) {
    pending.set(key, { flag: keep(flag), message });
    return;
  }
  pending.set(key, { flag: keep(noGrad(() => logicalOr(prev.flag, flag))), message });
  prev.flag.dispose();
  flag.dispose();
}

/** Read every queued check; throw the first that failed. Called before any readback. */
export async function drainChecks(): Promise<void> {
  if (pending.size === 0) return;
  const list = [...pending.values()];
  pending.clear();
  let failed: string | null = null;
  for (const { flag, message } of list) {
    const v = await flag.data();
    flag.dispose();
    if (v[0] && failed === null) failed = message;
  }
  if (failed !== null) throw new RangeError(failed);
}
