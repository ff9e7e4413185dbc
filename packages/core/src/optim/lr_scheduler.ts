/**
 * Learning-rate schedulers with PyTorch 1.13's recursive (chainable) formulas: each step
 * derives the new lr from the group's current lr, so schedulers compose as in PyTorch.
 * Constructing a scheduler performs its initial step (lastEpoch -1 -> 0), as PyTorch does.
 */
import type { Optimizer } from './optimizer.js';
import { toSnake } from './optimizer.js';

type Group = Record<string, unknown> & { lr: number };

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

/**
 * Options of {@link OneCycleLR}, with PyTorch's defaults. Give `totalSteps`, or `epochs` and
 * `stepsPerEpoch`.
 */
export interface OneCycleOptions {
  /** Steps in the cycle. */
  totalSteps?: number;
  /** Epochs, with stepsPerEpoch, when totalSteps is not given. */
  epochs?: number;
  /** Steps per epoch, with epochs. */
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** Annealing shape: `'cos'` (default) or `'linear'`. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (or Adam's beta1) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** Lowest momentum, reached at the lr peak (default 0.85); one value or one per group. */
  baseMomentum?: number | number[];
  /** Highest momentum (default 0.95); one value or one per group. */
  maxMomentum?: number | number[];
  /** Initial lr is `maxLr / divFactor` (default 25). */
  divFactor?: number;
  /** Final lr is `initialLr / finalDivFactor` (default 1e4). */
  finalDivFactor?: number;
  /** Use a third phase that anneals to the final lr (default false: two phases). */
  threePhase?: boolean;
  /** Index of the last step when resuming (default -1: a fresh start). */
  lastEpoch?: number;
}

interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}

/**
 * The 1cycle policy, stepped once per batch: lr warms up from maxLr/divFactor to maxLr and
 * anneals to initialLr/finalDivFactor, while momentum (or Adam's beta1) cycles inversely.
 */
export class OneCycleLR extends LRScheduler {
  /** Steps in the cycle; stepping past it throws. */
  readonly totalSteps: number;
  /** The phases of the cycle (end step and the lr and momentum keys they move between). */
  readonly schedulePhases: Phase[];
  /** Annealing shape. */
  readonly annealStrategy: 'cos' | 'linear';
  /** Whether momentum cycles. */
  readonly cycleMomentum: boolean;
  /** True when the optimizer has Adam-style `betas` (beta1 cycles instead of momentum). */
  readonly useBeta1: boolean;

  constructor(optimizer: Optimizer<object>, maxLr: number | number[], opts: OneCycleOptions = {}) {
    const n = optimizer.paramGroups.length;
    const perGroup = (name: string, v: number | number[]): number[] => {
      if (!Array.isArray(v)) return new Array<number>(n).fill(v);
      if (v.length !== n)
        throw new RangeError(`OneCycleLR: expected ${n} values for ${name}, got ${v.length}`);
      return v;
    };
    let total: number;
    if (opts.totalSteps !== undefined) {
      if (!Number.isInteger(opts.totalSteps) || opts.totalSteps <= 0) {
        throw new RangeError(`OneCycleLR: expected a positive integer totalSteps, got ${opts.totalSteps}`);
      }
      total = opts.totalSteps;
    } else if (opts.epochs !== undefined && opts.stepsPerEpoch !== undefined) {
      if (!Number.isInteger(opts.epochs) || opts.epochs <= 0) {
        throw new RangeError(`OneCycleLR: expected a positive integer epochs, got ${opts.epochs}`);
      }
      if (!Number.isInteger(opts.stepsPerEpoch) || opts.stepsPerEpoch <= 0) {
        throw new RangeError(
          `OneCycleLR: expected a positive integer stepsPerEpoch, got ${opts.stepsPerEpoch}`,
        );
      }
      total = opts.epochs * opts.stepsPerEpoch;
    } else {
      throw new RangeError('OneCycleLR: you must define either totalSteps OR (epochs AND stepsPerEpoch)');
    }
    const pct = opts.pctStart ?? 0.3;
    if (!(pct >= 0 && pct <= 1))
      throw new RangeError(`OneCycleLR: expected pctStart between 0 and 1, got ${pct}`);
    const anneal = opts.annealStrategy ?? 'cos';
    if (anneal !== 'cos' && anneal !== 'linear') {
      throw new RangeError(`OneCycleLR: annealStrategy must be 'cos' or 'linear', got '${anneal}'`);
    }
    const maxLrs = perGroup('maxLr', maxLr);
    const divFactor = opts.divFactor ?? 25;
    const finalDivFactor = opts.finalDivFactor ?? 1e4;
    const lastEpoch = opts.lastEpoch ?? -1;
    const groups = optimizer.paramGroups as unknown as Group[];
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = (g.initialLr as number) / finalDivFactor;
      });
    }
    const cycle = opts.cycleMomentum ?? true;
    const defaults = optimizer.defaults as Record<string, unknown>;
    const useBeta1 = 'betas' in defaults;
    if (cycle) {
      if (!('momentum' in defaults) && !useBeta1) {
        throw new RangeError(
          'OneCycleLR: optimizer must support momentum (or betas) with the cycleMomentum option enabled',
        );
      }
      const maxM = perGroup('maxMomentum', opts.maxMomentum ?? 0.95);
      const baseM = perGroup('baseMomentum', opts.baseMomentum ?? 0.85);
      if (lastEpoch === -1) {
        groups.forEach((g, i) => {
          if (useBeta1) g.betas = [maxM[i], (g.betas as number[])[1]];
          else g.momentum = maxM[i];
          g.maxMomentum = maxM[i];
          g.baseMomentum = baseM[i];
        });
      }
    }
    super(optimizer, lastEpoch);
    this.totalSteps = total;
    this.annealStrategy = anneal;
    this.cycleMomentum = cycle;
    this.useBeta1 = useBeta1;
    this.schedulePhases = opts.threePhase
      ? [
          {
            endStep: pct * total - 1,
            startLr: 'initialLr',
            endLr: 'maxLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'baseMomentum',
          },
          {
            endStep: 2 * pct * total - 2,
            startLr: 'maxLr',
            endLr: 'initialLr',
            startMomentum: 'baseMomentum',
            endMomentum: 'maxMomentum',
          },
          {
            endStep: total - 1,
            startLr: 'initialLr',
            endLr: 'minLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'maxMomentum',
          },
        ]
      : [
          {
            endStep: pct * total - 1,
            startLr: 'initialLr',
            endLr: 'maxLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'baseMomentum',
          },
          {
            endStep: total - 1,
            startLr: 'maxLr',
            endLr: 'minLr',
            startMomentum: 'baseMomentum',
            endMomentum: 'maxMomentum',
          },
        ];
    this.initialStep();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new RangeError(
        `OneCycleLR: tried to step ${stepNum + 1} times; the specified number of total steps is ${this.totalSteps}`,
      );
    }
    return this.groups.map((g) => {
      let start = 0;
      let lr = g.lr;
      const phases = this.schedulePhases;
      for (let i = 0; i < phases.length; i++) {
        const ph = phases[i];
        if (stepNum <= ph.endStep || i === phases.length - 1) {
          const pct = (stepNum - start) / (ph.endStep - start);
          lr = this.anneal(g[ph.startLr] as number, g[ph.endLr] as number, pct);
          if (this.cycleMomentum) {
            const m = this.anneal(g[ph.startMomentum] as number, g[ph.endMomentum] as number, pct);
            if (this.useBeta1) g.betas = [m, (g.betas as number[])[1]];
            else g.momentum = m;
          }
          break;
        }
        start = ph.endStep;
      }
      return lr;
    });
  }
}
