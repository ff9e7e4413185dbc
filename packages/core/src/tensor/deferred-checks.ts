/**
 * Checks that need a value from the device (an index out of range) cannot run synchronously
 * on an asynchronous backend. As with CUDA's device-side asserts, core computes the
 * condition on the device, queues it here, and the next readback reports it.
 */
import type { Tensor } from './tensor.js';

const pending: { flag: Tensor; message: string }[] = [];

/** Queue a bool scalar that must be false; `message` is thrown at the next readback if not. */
export function deferCheck(flag: Tensor, message: string): void {
  pending.push({ flag, message });
}

/** Read every queued check; throw the first that failed. Called before any readback. */
export async function drainChecks(): Promise<void> {
  if (pending.length === 0) return;
  const list = pending.splice(0);
  let failed: string | null = null;
  for (const { flag, message } of list) {
    const v = await flag.data();
    flag.dispose();
    if (v[0] && failed === null) failed = message;
  }
  if (failed !== null) throw new RangeError(failed);
}
