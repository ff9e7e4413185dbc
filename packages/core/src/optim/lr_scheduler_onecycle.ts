/**
 * torch.optim.lr_scheduler.OneCycleLR: the 1cycle policy (Smith & Topin), its phases and
 * momentum cycling; the base class and the epoch schedulers are in lr_scheduler.ts.
 */
import { type Group, LRScheduler } from './lr_scheduler.js';
import type { Optimizer } from './optimizer.js';

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
