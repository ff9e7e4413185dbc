/**
 * Per-adapter kernel choice by measurement. The first time a shape class (sizes bucketed to
 * powers of two, plus layout) is used, the op runs with the deterministic heuristic variant
 * and the tuner times every candidate in the background on scratch buffers (its own
 * submissions, timestamp queries where the adapter has them); later calls of that class use
 * the fastest. Nothing waits: results never depend on whether tuning has finished, and every
 * variant computes the same products (the tests run each one). The table is keyed by adapter
 * (vendor, architecture, device and the limits kernels depend on) so a persisted table can
 * hold entries for many machines and one never applies to another.
 */

/** A persisted tuning table: per adapter key, the chosen variant of each shape class. */
export interface TuningTable {
  /** Format version (1). */
  readonly version: 1;
  /** Adapter key (see {@link WebGPUBackend.adapterKey}) to shape class to variant name. */
  readonly adapters: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Tuning options of {@link createWebGPUBackend}. */
export interface TuningOptions {
  /**
   * Time candidate kernels the first time a shape class is used (default true). false: every
   * choice comes from the table or, where it has none, the deterministic heuristic.
   */
  readonly autotune?: boolean;
  /** A table saved earlier from `backend.tuning()`; entries of other adapters are kept but unused. */
  readonly table?: TuningTable;
}

/** Times one candidate: resolves to its device time in ms, or rejects when it cannot run. */
export type CandidateTimer = (variant: string) => Promise<number>;

/** Reps per candidate after its warm-up run; the minimum is kept. */
const REPS = 2;
/** A candidate this many times slower than the best so far is not repeated. */
const GIVE_UP = 2;

/** @internal The runtime's tuner; see the module comment. */
export class Tuner {
  private readonly own: Map<string, string>;
  private readonly others: Record<string, Record<string, string>> = {};
  private readonly pending = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  /** Candidate timings of finished jobs (shape class to variant to ms), for tests and tools. */
  readonly timings = new Map<string, ReadonlyMap<string, number>>();

  constructor(
    readonly adapterKey: string,
    readonly autotune: boolean,
    table?: TuningTable,
    /** Resolves when the device is free for background timing (Runtime.quiet). */
    private readonly quiet: () => Promise<void> = () => Promise.resolve(),
  ) {
    if (table && table.version !== 1) {
      throw new Error(`@layers/backend-webgpu: tuning table version ${String(table.version)} is not 1`);
    }
    for (const [k, entries] of Object.entries(table?.adapters ?? {})) {
      if (k !== adapterKey) this.others[k] = { ...entries };
    }
    this.own = new Map(Object.entries(table?.adapters?.[adapterKey] ?? {}));
  }

  /**
   * The variant for `cls`: the table's if it has one among `candidates`, else `heuristic`, and
   * (autotune on, first sight of `cls`) a background job timing every candidate with `time`.
   */
  pick(cls: string, candidates: readonly string[], heuristic: string, time: () => CandidateTimer): string {
    const known = this.own.get(cls);
    if (known !== undefined && candidates.includes(known)) return known;
    if (this.autotune && candidates.length > 1 && !this.pending.has(cls)) {
      this.pending.add(cls);
      const timer = time();
      // One job at a time, so candidates are not timed against each other's work.
      this.queue = this.queue.then(() => this.tune(cls, candidates, heuristic, timer));
    }
    return heuristic;
  }

  private async tune(cls: string, candidates: readonly string[], first: string, time: CandidateTimer) {
    const order = [first, ...candidates.filter((c) => c !== first)];
    const ms = new Map<string, number>();
    let best = Number.POSITIVE_INFINITY;
    let bestName: string | null = null;
    for (const v of order) {
      try {
        await this.quiet();
        let t = await time(v); // includes the asynchronous compile's first run
        if (t < best * GIVE_UP) for (let r = 0; r < REPS; r++) t = Math.min(t, await time(v));
        ms.set(v, t);
        if (t < best) {
          best = t;
          bestName = v;
        }
      } catch {
        // A variant the adapter rejects (limits, compile failure) is simply not a candidate.
      }
    }
    this.timings.set(cls, ms);
    if (bestName !== null) this.own.set(cls, bestName);
  }

  /** Resolves once every tuning job started so far has finished. */
  settled(): Promise<void> {
    return this.queue;
  }

  /** The table to persist: this adapter's entries and those preloaded for other adapters. */
  table(): TuningTable {
    return {
      version: 1,
      adapters: { ...this.others, [this.adapterKey]: Object.fromEntries(this.own) },
    };
  }
}

/** Power-of-two bucket of a size, so nearby shapes share a tuning entry. */
export function bucket(n: number): number {
  return n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n));
}

/** The adapter part of every tuning key: identity and the limits kernels are shaped by. */
export function adapterKey(info: GPUAdapterInfo | null | undefined, limits: GPUSupportedLimits): string {
  const id = info
    ? [info.vendor, info.architecture, info.device, info.description].map((s) => s || '-').join('/')
    : 'unknown';
  const lim = [
    limits.maxComputeInvocationsPerWorkgroup,
    limits.maxComputeWorkgroupStorageSize,
    limits.maxComputeWorkgroupSizeX,
  ].join('x');
  return `${id}|${lim}`;
}

/**
 * Adapters that run compute on CPU threads (SwiftShader, llvmpipe, WARP): barriers are costly
 * there and caches replace shared memory, which steers the heuristic to the direct kernels.
 */
export function isCpuAdapter(info: GPUAdapterInfo | null | undefined): boolean {
  if (!info) return false;
  const s = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  return /swiftshader|llvmpipe|lavapipe|warp|software|cpu/.test(s);
}
