/**
 * GradScaler (torch.cuda.amp.GradScaler): scales the loss so small float16 gradients do not
 * flush to zero, unscales the gradients before the optimizer step, skips the step when any
 * gradient is inf or NaN, and adapts the scale (halve on overflow, double after
 * `growthInterval` clean steps).
 *
 * Core never reads back synchronously, so `step` is async: it awaits one readback of a
 * found-inf flag (a 0-d tensor reduced on the device from every gradient) before deciding.
 * The scale itself is a JavaScript number: the flag is the only value that must come back.
 */
import { noGrad } from '../autograd/grad-mode.js';
import type { Optimizer } from '../optim/optimizer.js';
import { keep, tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';

/** Options of {@link GradScaler} (PyTorch's defaults). */
export interface GradScalerOptions {
  /** Initial scale factor. Default 65536 (2^16). */
  initScale?: number;
  /** Multiplier after `growthInterval` consecutive steps without inf/NaN. Default 2. */
  growthFactor?: number;
  /** Multiplier when a step finds inf/NaN gradients. Default 0.5. */
  backoffFactor?: number;
  /** Consecutive clean steps before the scale grows. Default 2000. */
  growthInterval?: number;
  /** false: every method is a pass-through (scale returns the loss, step just steps). Default true. */
  enabled?: boolean;
}

/** The scaler's state as PyTorch's `GradScaler.state_dict()` names it. */
export interface GradScalerState {
  /** Current scale factor. */
  scale: number;
  /** Growth multiplier. */
  growth_factor: number;
  /** Backoff multiplier. */
  backoff_factor: number;
  /** Clean steps between growths. */
  growth_interval: number;
  /** Clean steps since the last growth or backoff. */
  _growth_tracker: number;
}

type AnyOptimizer = Optimizer<object>;

interface PerOptimizer {
  /** 'unscaled' after unscale(), 'stepped' after step(). */
  stage: 'unscaled' | 'stepped';
  /** 0-d float32: NaN when some gradient is inf or NaN, 0 otherwise (not read back yet). */
  flag: Tensor | null;
  /** The flag's value, once step() has read it. */
  foundInf: boolean | null;
}

/**
 * Dynamic loss scaling for mixed-precision training, as torch.cuda.amp.GradScaler.
 *
 * @example
 * ```ts
 * const scaler = new GradScaler();
 * for (const [x, y] of batches) {
 *   opt.zeroGrad();
 *   const loss = autocast(() => lossFn.forward(model.forward(x), y), { dtype: 'float16' });
 *   scaler.scale(loss).backward();
 *   await scaler.step(opt); // skipped when a gradient overflowed
 *   scaler.update();
 * }
 * ```
 */
export class GradScaler {
  private scaleValue: number;
  private growthTracker = 0;
  private growthFactor: number;
  private backoffFactor: number;
  private growthInterval: number;
  private readonly enabled: boolean;
  private readonly perOptimizer = new Map<AnyOptimizer, PerOptimizer>();

  /** A scaler with PyTorch's defaults; throws a RangeError naming a bad option. */
  constructor(opts: GradScalerOptions = {}) {
    this.scaleValue = opts.initScale ?? 2 ** 16;
    this.growthFactor = opts.growthFactor ?? 2;
    this.backoffFactor = opts.backoffFactor ?? 0.5;
    this.growthInterval = opts.growthInterval ?? 2000;
    this.enabled = opts.enabled ?? true;
    if (!(this.scaleValue > 0))
      throw new RangeError(`GradScaler: initScale must be positive, got ${this.scaleValue}`);
    if (!(this.growthFactor > 1))
      throw new RangeError(`GradScaler: growthFactor must be > 1, got ${this.growthFactor}`);
    if (!(this.backoffFactor > 0 && this.backoffFactor < 1)) {
      throw new RangeError(`GradScaler: backoffFactor must be in (0, 1), got ${this.backoffFactor}`);
    }
    if (!(Number.isInteger(this.growthInterval) && this.growthInterval > 0)) {
      throw new RangeError(
        `GradScaler: growthInterval must be a positive integer, got ${this.growthInterval}`,
      );
    }
  }

  /** Whether the scaler is enabled. */
  isEnabled(): boolean {
    return this.enabled;
  }

  /** `outputs` multiplied by the scale (recorded by autograd), or `outputs` itself when disabled. */
  scale(outputs: Tensor): Tensor {
    if (!this.enabled) return outputs;
    return outputs.mul(this.scaleValue);
  }

  /**
   * Divide every gradient of `optimizer`'s parameters by the scale, in place (torch's
   * `unscale_`), for gradient clipping between backward and step. Also prepares the found-inf
   * flag `step` reads. At most once per optimizer between updates; float16 gradients are an
   * error, as in PyTorch (the parameters AMP trains stay float32: use autocast, not
   * `module.half()`).
   */
  unscale(optimizer: AnyOptimizer): void {
    if (!this.enabled) return;
    const st = this.perOptimizer.get(optimizer);
    if (st?.stage === 'unscaled') {
      throw new Error(
        'GradScaler.unscale: unscale() has already been called on this optimizer since the last update().',
      );
    }
    if (st?.stage === 'stepped')
      throw new Error('GradScaler.unscale: unscale() is being called after step().');
    const inv = 1 / this.scaleValue;
    const flag = noGrad(() =>
      tidy(() => {
        let acc: Tensor | null = null;
        for (const group of optimizer.paramGroups) {
          for (const p of group.params) {
            const g = p.grad;
            if (!g) continue;
            if (g.dtype === 'float16')
              throw new TypeError('GradScaler.unscale: Attempting to unscale FP16 gradients.');
            // 0 where finite, NaN where inf or NaN (0 * inf = NaN), summed in float32: NaN iff
            // any gradient is non-finite, and no overflow whatever the values.
            const bad = g.float().mul(0).sum();
            acc = acc ? acc.add(bad) : bad;
            p.grad = keep(g.mul(inv));
          }
        }
        return acc;
      }),
    );
    this.perOptimizer.set(optimizer, { stage: 'unscaled', flag: flag ? keep(flag) : null, foundInf: null });
  }

  /**
   * Unscale the gradients (unless `unscale` already did), read back the found-inf flag (one
   * awaited readback: core never reads synchronously) and run `optimizer.step()` only when
   * every gradient is finite. Resolves to whether the step ran.
   */
  async step(optimizer: AnyOptimizer): Promise<boolean> {
    if (!this.enabled) {
      optimizer.step();
      return true;
    }
    let st = this.perOptimizer.get(optimizer);
    if (st?.stage === 'stepped') {
      throw new Error('GradScaler.step: step() has already been called since the last update().');
    }
    if (!st) {
      this.unscale(optimizer);
      st = this.perOptimizer.get(optimizer) as PerOptimizer;
    }
    const flag = st.flag;
    st.flag = null;
    let found = false;
    if (flag) {
      try {
        found = Number.isNaN(await flag.item());
      } finally {
        flag.dispose();
      }
    }
    st.stage = 'stepped';
    st.foundInf = found;
    if (!found) optimizer.step();
    return !found;
  }

  /**
   * Update the scale for the next iteration: halve it (backoffFactor) if any optimizer's step
   * found inf/NaN, else count a clean step and grow it (growthFactor) every `growthInterval`
   * clean steps. `newScale` sets it outright instead. Call once per iteration, after step.
   */
  update(newScale?: number): void {
    if (!this.enabled) return;
    if (newScale !== undefined) {
      if (!(newScale > 0))
        throw new RangeError(`GradScaler.update: newScale must be positive, got ${newScale}`);
      this.scaleValue = newScale;
    } else {
      const checked = [...this.perOptimizer.values()].filter((s) => s.foundInf !== null);
      if (checked.length === 0)
        throw new Error('GradScaler.update: No inf checks were recorded prior to update.');
      if (checked.some((s) => s.foundInf)) {
        this.scaleValue *= this.backoffFactor;
        this.growthTracker = 0;
      } else if (++this.growthTracker === this.growthInterval) {
        this.scaleValue *= this.growthFactor;
        this.growthTracker = 0;
      }
    }
    for (const s of this.perOptimizer.values()) s.flag?.dispose();
    this.perOptimizer.clear();
  }

  /** The current scale (1 when disabled, as PyTorch's get_scale). */
  getScale(): number {
    return this.enabled ? this.scaleValue : 1;
  }

  /** PyTorch's state_dict keys (empty when disabled), so a saved scaler round-trips with torch's. */
  stateDict(): GradScalerState | Record<string, never> {
    if (!this.enabled) return {};
    return {
      scale: this.scaleValue,
      growth_factor: this.growthFactor,
      backoff_factor: this.backoffFactor,
      growth_interval: this.growthInterval,
      _growth_tracker: this.growthTracker,
    };
  }

  /** Restore {@link GradScaler.stateDict}'s values (a no-op when disabled, as in PyTorch). */
  loadStateDict(state: Partial<GradScalerState>): void {
    if (!this.enabled) return;
    if (Object.keys(state).length === 0) {
      throw new Error(
        'GradScaler.loadStateDict: The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler.',
      );
    }
    const num = (k: keyof GradScalerState, fallback: number): number => {
      const v = state[k] ?? fallback;
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new TypeError(`GradScaler.loadStateDict: '${k}' must be a finite number, got ${String(v)}`);
      }
      return v;
    };
    this.scaleValue = num('scale', this.scaleValue);
    this.growthFactor = num('growth_factor', this.growthFactor);
    this.backoffFactor = num('backoff_factor', this.backoffFactor);
    this.growthInterval = num('growth_interval', this.growthInterval);
    this.growthTracker = num('_growth_tracker', this.growthTracker);
  }
}
