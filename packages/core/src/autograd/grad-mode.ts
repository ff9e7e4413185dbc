let enabled = true;

/** Whether ops are being recorded for autograd (false inside {@link noGrad}). */
export function isGradEnabled(): boolean {
  return enabled;
}

/** @internal The constructor of async functions, which the synchronous scopes refuse. */
export const AsyncFunction = (async () => {}).constructor;

function withGrad<T>(mode: boolean, fn: () => T, api: string): T {
  // The mode is a global flag: it cannot follow an async function past its first await
  // (browsers have no async context), and keeping it set until the promise settles would
  // leak it into whatever other code runs meanwhile. Refuse before running anything, rather
  // than record silently after the await. A plain function that returns a promise (a
  // readback: `() => model.forward(x).data()`) is fine: its ops ran under the mode.
  if (fn instanceof AsyncFunction) {
    throw new TypeError(
      `${api}: the function must be synchronous (got an async function); the mode cannot hold across an await. ` +
        `Await outside and run the ops in a synchronous callback: \`const x = await t.data(); ${api}(() => ...)\``,
    );
  }
  const prev = enabled;
  enabled = mode;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/**
 * Run `fn` without recording operations for autograd (torch.no_grad). `fn` must be
 * synchronous: an async function is a TypeError (a plain function may return a promise,
 * such as a readback; only what it ran before returning is under the mode).
 */
export function noGrad<T>(fn: () => T): T {
  return withGrad(false, fn, 'noGrad');
}

/** Run `fn` with recording on, even inside noGrad (torch.enable_grad). */
export function enableGrad<T>(fn: () => T): T {
  return withGrad(true, fn, 'enableGrad');
}
