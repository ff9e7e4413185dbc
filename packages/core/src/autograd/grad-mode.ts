let enabled = true;

/** Whether ops are being recorded for autograd (false inside {@link noGrad}). */
export function isGradEnabled(): boolean {
  return enabled;
}

function withGrad<T>(mode: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = mode;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/** Run `fn` without recording operations for autograd (torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  return withGrad(false, fn);
}

/** Run `fn` with recording on, even inside noGrad (torch.enable_grad). */
export function enableGrad<T>(fn: () => T): T {
  return withGrad(true, fn);
}
