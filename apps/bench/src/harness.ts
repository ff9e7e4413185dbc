/**
 * The one benchmark harness every backend and peer plugs into.
 *
 * A `Contender` (one file per backend or peer under cases/) turns a `BenchSpec` into a
 * `Runner` whose `step()` does one complete repetition, ending with an awaited read of the
 * result so asynchronous backends are timed to completion. The harness warms up, times N
 * repetitions, takes the median and prints one table per family with GFLOP/s and the ratio
 * of each of our backends against each peer.
 */

export type Family = 'cpu' | 'wasm' | 'webgpu';

export type BenchSpec =
  /**
   * `repeat`: ops issued back to back per repetition before the one readback. GPU peers run
   * with 10, so the table measures their kernels rather than the readback latency.
   */
  | { readonly kind: 'matmul'; readonly id: string; readonly n: number; readonly repeat?: number }
  | {
      readonly kind: 'conv2d';
      readonly id: string;
      readonly batch: number;
      readonly cin: number;
      readonly cout: number;
      readonly size: number;
      readonly k: number;
      readonly repeat?: number;
    }
  | {
      readonly kind: 'mlp-train';
      readonly id: string;
      readonly batch: number;
      readonly sizes: readonly number[];
    }
  | {
      /** One-layer LSTM forward over a sequence (inference), input [seq, batch, input]. */
      readonly kind: 'lstm';
      readonly id: string;
      readonly seq: number;
      readonly batch: number;
      readonly input: number;
      readonly hidden: number;
    }
  | {
      /**
       * The digit CNN (conv 1->8 3x3 pad 1, ReLU, max-pool 2; conv 8->16, ReLU, max-pool 2;
       * Linear 784->10) at batch 64: `forward` times one inference pass, `train` an epoch of
       * `steps` Adam steps (cross-entropy, lr 1e-3) reading the loss back after every step.
       */
      readonly kind: 'cnn';
      readonly id: string;
      readonly mode: 'forward' | 'train';
      readonly steps?: number;
    }
  | {
      /**
       * Cold start in a fresh process (its start excluded): backend creation, then the first
       * matmul 256 read back, or the first CNN forward read back.
       */
      readonly kind: 'cold';
      readonly id: string;
      readonly what: 'matmul' | 'cnn';
    }
  | {
      /** Post-norm transformer encoder layer forward (inference, ReLU FFN), input [batch, seq, dModel]. */
      readonly kind: 'encoder';
      readonly id: string;
      readonly batch: number;
      readonly seq: number;
      readonly dModel: number;
      readonly heads: number;
      readonly ff: number;
    };

export interface Runner {
  /**
   * One full repetition, resolved only once the result is back in JS. A runner that times
   * itself (cold starts in a child process) resolves to its own milliseconds.
   */
  step(): Promise<void | number>;
  dispose(): void | Promise<void>;
}

export interface Contender {
  /** e.g. 'layers-cpu', 'tfjs-cpu'. */
  readonly name: string;
  readonly family: Family;
  /** true for @layers backends: ratios are reported as ours vs each peer. */
  readonly ours: boolean;
  init(): Promise<void>;
  /** A runner for the spec, or null when this contender cannot run it. */
  prepare(spec: BenchSpec): Promise<Runner | null>;
  dispose?(): void | Promise<void>;
}

/** Floating-point operations of one repetition (multiply-add = 2). */
export function flopsOf(spec: BenchSpec): number {
  switch (spec.kind) {
    case 'matmul':
      return 2 * spec.n ** 3 * (spec.repeat ?? 1);
    case 'conv2d':
      // 'same' padding, stride 1: every output pixel is a cin*k*k dot product.
      return (
        2 * spec.batch * spec.cout * spec.size * spec.size * spec.cin * spec.k * spec.k * (spec.repeat ?? 1)
      );
    case 'mlp-train': {
      // forward 2*b*in*out per layer, backward twice that (grad wrt input and weights).
      let macs = 0;
      for (let i = 0; i + 1 < spec.sizes.length; i++) macs += spec.sizes[i] * spec.sizes[i + 1];
      return 6 * spec.batch * macs;
    }
    case 'lstm':
      // Matmuls only: per step [batch, input + hidden] x [input + hidden, 4 * hidden].
      return 2 * spec.seq * spec.batch * (spec.input + spec.hidden) * 4 * spec.hidden;
    case 'cnn': {
      // Forward MACs per image: 784*8*9 + 196*16*72 + 784*10; training ~3x per step.
      const fwd = 2 * 64 * (784 * 8 * 9 + 196 * 16 * 72 + 784 * 10);
      return spec.mode === 'forward' ? fwd : 3 * fwd * (spec.steps ?? 1);
    }
    case 'cold':
      return spec.what === 'matmul' ? 2 * 256 ** 3 : 0;
    case 'encoder': {
      // Matmuls only: QKV and output projections, QK^T and PV, the two FFN layers.
      const tokens = spec.batch * spec.seq;
      const d = spec.dModel;
      return 2 * tokens * (4 * d * d + 2 * d * spec.ff) + 4 * spec.batch * spec.seq * spec.seq * d;
    }
  }
}

export function describeSpec(spec: BenchSpec): string {
  switch (spec.kind) {
    case 'matmul':
      return `matmul ${spec.n}x${spec.n}x${spec.n}${spec.repeat ? ` (x${spec.repeat})` : ''}`;
    case 'conv2d':
      return `conv2d b${spec.batch} ${spec.cin}->${spec.cout} ${spec.size}x${spec.size} k${spec.k}${spec.repeat ? ` (x${spec.repeat})` : ''}`;
    case 'mlp-train':
      return `MLP train step ${spec.sizes.join('-')} b${spec.batch}`;
    case 'lstm':
      return `LSTM fwd s${spec.seq} b${spec.batch} ${spec.input}->${spec.hidden}`;
    case 'cnn':
      return spec.mode === 'forward'
        ? 'CNN forward b64 (warm)'
        : `CNN train epoch, ${spec.steps ?? 1} steps b64`;
    case 'cold':
      return spec.what === 'matmul' ? 'first matmul 256 read back (cold)' : 'first CNN forward b64 (cold)';
    case 'encoder':
      return `encoder fwd b${spec.batch} s${spec.seq} d${spec.dModel} h${spec.heads} ff${spec.ff}`;
  }
}

/** Deterministic data in [-1, 1) so every contender sees the same inputs. */
export function benchData(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

export interface MeasureOptions {
  readonly warmup: number;
  /**
   * Keep warming up until this much time has passed too. V8 first runs WebAssembly with its
   * baseline compiler and tiers hot functions up in the background; a big module (ORT's)
   * needs a second or more of calls before its timings settle.
   */
  readonly warmupSeconds: number;
  readonly reps: number;
  /** Stop adding repetitions after this much time (at least 3 are always taken). */
  readonly maxSeconds: number;
}

export interface Measurement {
  readonly medianMs: number;
  readonly minMs: number;
  readonly reps: number;
}

export async function measure(runner: Runner, opts: MeasureOptions): Promise<Measurement> {
  const warmEnd = performance.now() + opts.warmupSeconds * 1000;
  for (let i = 0; i < opts.warmup || performance.now() < warmEnd; i++) await runner.step();
  const times: number[] = [];
  const deadline = performance.now() + opts.maxSeconds * 1000;
  for (let i = 0; i < opts.reps; i++) {
    const t0 = performance.now();
    const own = await runner.step();
    times.push(typeof own === 'number' ? own : performance.now() - t0);
    if (times.length >= 3 && performance.now() > deadline) break;
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const medianMs = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return { medianMs, minMs: times[0], reps: times.length };
}

export interface Result {
  readonly contender: string;
  readonly ours: boolean;
  readonly spec: BenchSpec;
  readonly m: Measurement | null;
  readonly note?: string;
}

/** Run every spec on every contender of one family and return the raw results. */
export async function runFamily(
  contenders: readonly Contender[],
  specs: readonly BenchSpec[],
  opts: MeasureOptions,
  log: (line: string) => void = console.log,
): Promise<Result[]> {
  const results: Result[] = [];
  for (const c of contenders) {
    try {
      await c.init();
    } catch (e) {
      log(`  ${c.name}: init failed: ${(e as Error).message}`);
      for (const spec of specs)
        results.push({ contender: c.name, ours: c.ours, spec, m: null, note: 'init failed' });
      continue;
    }
    for (const spec of specs) {
      let runner: Runner | null = null;
      try {
        runner = await c.prepare(spec);
        if (!runner) {
          results.push({ contender: c.name, ours: c.ours, spec, m: null, note: 'n/a' });
          continue;
        }
        const m = await measure(runner, opts);
        results.push({ contender: c.name, ours: c.ours, spec, m });
        log(`  ${c.name.padEnd(14)} ${describeSpec(spec).padEnd(40)} ${fmtMs(m.medianMs)} (${m.reps} reps)`);
      } catch (e) {
        log(`  ${c.name}: ${describeSpec(spec)} failed: ${(e as Error).message}`);
        results.push({ contender: c.name, ours: c.ours, spec, m: null, note: 'error' });
      } finally {
        await runner?.dispose();
      }
    }
    await c.dispose?.();
  }
  return results;
}

function fmtMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
}

/**
 * Side-by-side table: one row per spec, per contender the median time and GFLOP/s, then for
 * each of our contenders its speed-up over each peer (peer time / our time; >1 means faster).
 */
export function formatTable(results: readonly Result[], specs: readonly BenchSpec[]): string {
  const names = [...new Set(results.map((r) => r.contender))];
  const ours = names.filter((n) => results.find((r) => r.contender === n)?.ours);
  const peers = names.filter((n) => !ours.includes(n));
  const header = ['benchmark', ...names.map((n) => `${n} ms (GFLOP/s)`)];
  for (const o of ours) for (const p of peers) header.push(`${o} vs ${p}`);
  const rows: string[][] = [header];
  for (const spec of specs) {
    const get = (n: string) => results.find((r) => r.contender === n && r.spec.id === spec.id);
    const row = [describeSpec(spec)];
    for (const n of names) {
      const r = get(n);
      if (!r?.m) row.push(r?.note ?? '-');
      else row.push(`${fmtMs(r.m.medianMs)} (${(flopsOf(spec) / r.m.medianMs / 1e6).toFixed(2)})`);
    }
    for (const o of ours) {
      for (const p of peers) {
        const a = get(o)?.m;
        const b = get(p)?.m;
        row.push(a && b ? `${(b.medianMs / a.medianMs).toFixed(2)}x` : '-');
      }
    }
    rows.push(row);
  }
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const sep = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(rows[0]), sep, ...rows.slice(1).map(line)].join('\n');
}
