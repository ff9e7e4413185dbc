let enabled = true;

/** Whether ops are being recorded for autograd (false inside {@link noGrad}). */
export function isGradEnabled(): boolean {
  return enabled;
}

function withGrad<T>(mode: boolean, fn: () => T, api: string): T {
  const prev = enabled;
  enabled = mode;
  let result: T;
  try {
    result = fn();
  } finally {
    enabled = prev;
  }
  // The mode is a global flag: it cannot follow an async function past its first await
  // (browsers have no async context), and keeping it set until the promise settles would
  // leak it into whatever other code runs meanwhile. Refuse rather than silently record.
  if (result instanceof Promise) {
    result.catch(() => {}); // the error below is the one to report
    throw new TypeError(
      `${api}: the function must be synchronous (it returned a Promise); the mode cannot hold across an await. ` +
        `Await outside and run the ops in a synchronous callback: \`const x = await t.data(); ${api}(() => ...)\``,
    );
  }
  return result;
}

/**
 * Run `fn` without recording operations for autograd (torch.no_grad). `fn` must be
 * synchronous: an async function (or one returning a Promise) is a TypeError.
 */
export function noGrad<T>(fn: () => T): T {
  return withGrad(false, fn, 'noGrad');
}

/** Run `fn` with recording on, even inside noGrad (torch.enable_grad). */
export function enableGrad<T>(fn: () => T): T {
  return withGrad(true, fn, 'enableGrad');
}
