/**
 * Axis ticks by the "nice numbers" rule: steps of 1, 2 or 5 times a power of ten, so labels
 * read 0, 0.5, 1, 1.5 rather than 0, 0.61, 1.21, 1.82.
 */

/** The 1-2-5 step closest to `range / target` (Heckbert's rounding thresholds). */
export function niceStep(range: number, target = 4): number {
  if (!(range > 0) || !Number.isFinite(range)) return 1;
  const raw = range / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const f = raw / magnitude;
  const nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  return nice * magnitude;
}

/** Ticks from 0 up to the first multiple of the step at or above `max`; [0, 1] for no range. */
export function niceTicks(max: number, target = 4): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const step = niceStep(max, target);
  const steps = Math.max(1, Math.ceil(max / step - 1e-9));
  // toPrecision strips the float noise of i * step (0.30000000000000004 -> 0.3).
  return Array.from({ length: steps + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

/** A tick label with as many decimals as the step needs (step 0.5 -> "1.5", step 500 -> "1,500"). */
export function formatTick(value: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}
