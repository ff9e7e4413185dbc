/**
 * Learning-rate schedulers with PyTorch 1.13's recursive (chainable) formulas: each step
 * derives the new lr from the group's current lr, so schedulers compose as in PyTorch.
 * Constructing a scheduler performs its initial step (lastEpoch -1 -> 0), as PyTorch does.
 * OneCycleLR (per batch, with momentum cycling) lives in lr_scheduler_onecycle.ts.
 */
import type { Optimizer } from './optimizer.js';
import { toSnake } from './optimizer.js';

/** A parameter group as the schedulers read and write it. */
export type Group = Record<string, unknown> & { lr: number };

/**
 * Base of the learning-rate schedulers (torch.optim.lr_scheduler). Construct one on an
 * optimizer, then call {@link LRScheduler.step} once per epoch (per batch for
 * {@link OneCycleLR}) after `optimizer.step()`. Throws when resuming (`lastEpoch` not -1)
 * from an optimizer whose groups lack `initialLr`.
 *
 * @example
 * ```ts
 * const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * const sched = new optim.StepLR(opt, 30, { gamma: 0.1 });
 * for (let epoch = 0; epoch < 90; epoch++) {
 *   trainOneEpoch();
 *   sched.step(); // lr 0.1, then 0.01 from epoch 30, 0.001 from epoch 60
 * }
 * ```
 */
export abstract class LRScheduler {
  /** The optimizer whose groups' `lr` this scheduler writes. */
  readonly optimizer: Optimizer<object>;
  /** Each group's initial lr (its `initialLr`). */
  baseLrs: number[];
  /** Index of the last epoch stepped (0 after construction). */
  lastEpoch: number;
  /** @internal PyTorch's `_step_count`, kept for state-dict compatibility. */
  _stepCount = 0;
  /** @internal PyTorch's `_last_lr`; read it with getLastLr(). */
  _lastLr: number[] = [];

  constructor(optimizer: Optimizer<object>, lastEpoch = -1) {
    this.optimizer = optimizer;
    if (lastEpoch === -1) {
      for (const g of this.groups) g.initialLr ??= g.lr;
    } else {
      this.groups.forEach((g, i) => {
        if (g.initialLr === undefined) {
          throw new RangeError(
            `${this.constructor.name}: param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer`,
          );
        }
      });
    }
    this.baseLrs = this.groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  protected get groups(): Group[] {
    return this.optimizer.paramGroups as unknown as Group[];
  }

  /** Subclasses call this at the end of their constructor (after setting their fields). */
  protected initialStep(): void {
    this._stepCount = 0;
    this.step();
  }

  /** The learning rates for `lastEpoch` (already advanced), one per group. */
  protected abstract getLr(): number[];

  /** Advance one epoch (or batch, for OneCycleLR) and write the new lr into every group. */
  step(): void {
    this._stepCount++;
    this.lastEpoch++;
    const values = this.getLr();
    this.groups.forEach((g, i) => {
      g.lr = values[i];
    });
    this._lastLr = this.groups.map((g) => g.lr);
  }

  /** The learning rates the last step set, one per parameter group. */
  getLastLr(): number[] {
    return [...this._lastLr];
  }

  /** Every field but the optimizer, with PyTorch's snake_case names (base_lrs, last_epoch, ...). */
  stateDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) {
      if (k === 'optimizer' || typeof v === 'function') continue;
      out[toSnake(k)] = structuredClone(v);
    }
    return out;
  }

  /** Restore what {@link LRScheduler.stateDict} saved (PyTorch's snake_case names). */
  loadStateDict(dict: Record<string, unknown>): void {
    const self = this as unknown as Record<string, unknown>;
    const byKey = new Map(Object.keys(this).map((k) => [toSnake(k), k]));
    for (const [k, v] of Object.entries(dict)) {
      const own = byKey.get(k);
      if (own && own !== 'optimizer') self[own] = structuredClone(v);
    }
  }
}

/** lr *= gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  /** Epochs between decays. */
  readonly stepSize: number;
  /** Multiplicative decay factor (default 0.1). */
  readonly gamma: number;
  constructor(
    optimizer: Optimizer<object>,
    stepSize: number,
    opts: { gamma?: number; lastEpoch?: number } = {},
  ) {
    super(optimizer, opts.lastEpoch);
    this.stepSize = stepSize;
    this.gamma = opts.gamma ?? 0.1;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
}

/** lr *= gamma at each milestone (a milestone listed twice applies gamma twice). */
export class MultiStepLR extends LRScheduler {
  /** Epochs at which the lr decays. */
  readonly milestones: number[];
  /** Multiplicative decay factor (default 0.1). */
  readonly gamma: number;
  constructor(
    optimizer: Optimizer<object>,
    milestones: number[],
    opts: { gamma?: number; lastEpoch?: number } = {},
  ) {
    super(optimizer, opts.lastEpoch);
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.gamma = opts.gamma ?? 0.1;
    this.initialStep();
  }
  protected getLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (hits === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma ** hits);
  }
}

/** lr *= gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  /** Multiplicative decay factor per epoch. */
  readonly gamma: number;
  constructor(optimizer: Optimizer<object>, gamma: number, opts: { lastEpoch?: number } = {}) {
    super(optimizer, opts.lastEpoch);
    this.gamma = gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
}

/** Cosine annealing from the base lr to etaMin over tMax epochs (PyTorch's recursive form). */
export class CosineAnnealingLR extends LRScheduler {
  /** Epochs of a half cosine period. */
  readonly tMax: number;
  /** Minimum learning rate (default 0). */
  readonly etaMin: number;
  constructor(
    optimizer: Optimizer<object>,
    tMax: number,
    opts: { etaMin?: number; lastEpoch?: number } = {},
  ) {
    super(optimizer, opts.lastEpoch);
    this.tMax = tMax;
    this.etaMin = opts.etaMin ?? 0;
    this.initialStep();
  }
  protected getLr(): number[] {
    const { lastEpoch: e, tMax: T, etaMin } = this;
    if (e === 0) return this.groups.map((g) => g.lr);
    if (this._stepCount === 1 && e > 0) {
      return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    }
    if ((e - 1 - T) % (2 * T) === 0) {
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return this.groups.map(
      (g) =>
        ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (g.lr - etaMin) +
        etaMin,
    );
  }
}

/** Linear ramp of the lr factor from startFactor to endFactor over totalIters epochs. */
export class LinearLR extends LRScheduler {
  /** Factor of the base lr at epoch 0 (default 1/3). */
  readonly startFactor: number;
  /** Factor of the base lr from `totalIters` on (default 1). */
  readonly endFactor: number;
  /** Epochs of the ramp (default 5). */
  readonly totalIters: number;
  constructor(
    optimizer: Optimizer<object>,
    opts: { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number } = {},
  ) {
    super(optimizer, opts.lastEpoch);
    this.startFactor = opts.startFactor ?? 1 / 3;
    this.endFactor = opts.endFactor ?? 1.0;
    this.totalIters = opts.totalIters ?? 5;
    if (this.startFactor > 1 || this.startFactor <= 0) {
      throw new RangeError('LinearLR: startFactor must be greater than 0 and at most 1');
    }
    if (this.endFactor > 1 || this.endFactor < 0)
      throw new RangeError('LinearLR: endFactor must be between 0 and 1');
    this.initialStep();
  }
  protected getLr(): number[] {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    if (e === 0) return this.groups.map((g) => g.lr * s);
    if (e > n) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }
}
