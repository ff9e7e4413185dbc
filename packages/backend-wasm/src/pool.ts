/**
 * A pool of worker threads that share the kernels' WebAssembly.Memory. A parallel call
 * writes (kernel, args, range, pieces) into a shared control block, bumps a generation
 * counter the workers Atomics.wait on, then claims and runs pieces on the calling thread
 * like any worker (protocol.ts) and waits only for pieces other threads have started.
 */

import type { Host } from './host/host.js';
import { Pace } from './pace.js';
import {
  C_DEAD,
  C_ERR,
  C_FIN,
  C_GEN,
  C_GRAIN,
  C_HELD,
  C_HOLD,
  C_HOLD_INSIDE,
  C_KERNEL,
  C_NARGS,
  C_NT,
  C_PARK,
  C_PIECES,
  C_STOP,
  C_TOTAL,
  CTRL_INTS,
  claimPiece,
  claimStart,
  MAX_ARGS,
} from './protocol.js';
import { SPIN_MS, spinWhile, workerSource } from './worker.js';

interface AnyWorker {
  postMessage(msg: unknown): void;
  terminate(): unknown;
}

export interface PoolInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  names: readonly string[];
  scratchBase: number;
  scratchPer: number;
}

const RECOVERY =
  'The backend now runs every kernel on the calling thread (correct, slower); ' +
  'create a new backend with createWasmBackend() to use worker threads again';

/** A browser main thread may not block in Atomics.wait; it spins on Atomics.load instead. */
function canBlock(host: Host): boolean {
  if (host.node) return true;
  const g: any = globalThis;
  return typeof g.WorkerGlobalScope !== 'undefined' && g instanceof g.WorkerGlobalScope;
}

export class ThreadPool {
  readonly size: number; // workers (the calling thread is extra)
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private readonly word: BigUint64Array;
  private gen = 0;
  /** @internal When to run calls on the calling thread alone (see {@link Pace}). */
  readonly pace = new Pace();
  /** Test hook: the held worker blocks inside a piece, so run() lets it claim one first. */
  private holdInside = false;
  private readonly workers: AnyWorker[] = [];
  private failure: string | null = null;
  /** The failure was thrown once; from then on kernels run on the calling thread. */
  private reported = false;
  private destroyed = false;
  /**
   * @internal How long a parallel call waits without any progress (no piece claimed, no
   * worker finished) before it decides a worker is gone. A terminated worker runs no code,
   * so it cannot say so, and its 'exit' event needs the event loop this call is blocking.
   */
  stallLimitMs = 15_000;
  private readonly blocking: boolean;

  private constructor(
    size: number,
    private readonly host: Host,
  ) {
    this.size = size;
    this.blocking = canBlock(host);
    this.ctrl = new Int32Array(new SharedArrayBuffer(CTRL_INTS * 4));
    this.args = new Float64Array(new SharedArrayBuffer(MAX_ARGS * 8));
    this.word = new BigUint64Array(new SharedArrayBuffer(8));
  }

  /** Starts `size` workers and resolves once every one has instantiated the kernels. */
  static async create(size: number, host: Host, init: PoolInit): Promise<ThreadPool> {
    const pool = new ThreadPool(size, host);
    const src = workerSource();
    const ready: Promise<void>[] = [];
    for (let i = 0; i < size; i++) {
      const w = await pool.spawn(src, i, (p) => ready.push(p));
      pool.workers.push(w);
      w.postMessage({
        module: init.module,
        memory: init.memory,
        ctrlBuffer: pool.ctrl.buffer,
        argsBuffer: pool.args.buffer,
        claimBuffer: pool.word.buffer,
        names: init.names,
        index: i,
        scratchBase: init.scratchBase,
        scratchPer: init.scratchPer,
      });
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      pool.destroy();
      throw e;
    }
    // A pool must never keep the Node process alive on its own. Unref only now: before the
    // workers are ready the pending start-up must hold the process, and (in Node 20) adding
    // a 'message' listener after unref() refs the worker again.
    for (const w of pool.workers) (w as { unref?: () => void }).unref?.();
    return pool;
  }

  private async spawn(src: string, index: number, onReady: (p: Promise<void>) => void): Promise<AnyWorker> {
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    onReady(
      new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      }),
    );
    const onMsg = (m: any) => {
      if (m?.type === 'ready') resolve();
      else if (m?.type === 'error') {
        this.failure ??= `layers wasm: worker ${index} failed: ${m.message}`;
        reject(new Error(this.failure));
      }
    };
    const onDeath = (why: string) => {
      if (!this.destroyed) this.failure ??= `layers wasm: worker ${index} ${why}`;
      reject(new Error(this.failure ?? why));
      // The others are of no use to a pool that has fallen back; stop them.
      if (!this.destroyed) this.fail(this.failure ?? why);
    };
    if (this.host.node) {
      const { Worker } = await this.host.workerThreads();
      const w = new Worker(src, { eval: true });
      w.on('message', onMsg);
      w.on('error', (e: unknown) => onDeath(`died: ${e instanceof Error ? e.message : String(e)}`));
      w.on('exit', (code) => onDeath(`exited (code ${code})`));
      return w;
    }
    const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
    const w = new Worker(url);
    URL.revokeObjectURL(url);
    w.onmessage = (e) => onMsg(e.data);
    w.onerror = (e) => {
      e.preventDefault?.();
      onDeath(`died: ${e.message}`);
    };
    return w;
  }

  /** False once a worker died, failed or stalled: callers run kernels on their own thread. */
  get alive(): boolean {
    if (this.failure === null) {
      for (let i = 0; i < this.size; i++) {
        if (Atomics.load(this.ctrl, C_DEAD + i)) this.fail(`layers wasm: worker ${i} exited`);
      }
    }
    return this.failure === null;
  }

  /**
   * Throws, once, when a worker died or failed since the last call, saying what happened
   * and what the backend does now; later calls pass (the backend has fallen back).
   */
  check(): void {
    if (this.destroyed) throw new Error('layers wasm: backend was destroyed');
    if (this.alive || this.reported) return;
    this.reported = true;
    throw new Error(`${this.failure}. ${RECOVERY}`);
  }

  /** Record the first failure and stop every worker (one that is only slow must not write later). */
  private fail(message: string): void {
    this.failure ??= message;
    Atomics.store(this.ctrl, C_STOP, 1);
    Atomics.add(this.ctrl, C_GEN, 1);
    Atomics.notify(this.ctrl, C_GEN);
    for (const w of this.workers) w.terminate();
  }

  /**
   * Run `fns[kernel](...args, lo, hi)` over [0, total) in pieces of `grain` elements, on up
   * to `nt` threads (the calling thread and nt-1 workers). `local` runs a piece on the
   * calling thread's own instance. Every thread claims pieces until none are left, so a
   * worker that is descheduled, or has not woken up yet, takes fewer or none, and the
   * calling thread finishes the work itself instead of waiting for it.
   */
  run(
    kernel: number,
    args: readonly number[],
    total: number,
    nt: number,
    grain: number,
    local: (lo: number, hi: number) => void,
  ): void {
    this.check();
    if (!this.alive) {
      // Fallen back after a reported failure: the whole range on this thread.
      local(0, total);
      return;
    }
    if (this.pace.solo()) {
      // Recent calls lost time waiting for descheduled workers: this thread alone for now.
      local(0, total);
      return;
    }
    const ctrl = this.ctrl;
    const pieces = Math.ceil(total / grain);
    const gen = (this.gen = (this.gen + 1) | 0);
    for (let i = 0; i < args.length; i++) this.args[i] = args[i];
    ctrl[C_KERNEL] = kernel;
    ctrl[C_NARGS] = args.length;
    ctrl[C_TOTAL] = total;
    ctrl[C_NT] = nt;
    ctrl[C_GRAIN] = grain;
    ctrl[C_PIECES] = pieces;
    Atomics.store(ctrl, C_ERR, 0);
    Atomics.store(ctrl, C_FIN, 0);
    Atomics.store(ctrl, C_PARK, 0);
    Atomics.store(this.word, 0, claimStart(gen));
    // Publishing the generation last makes everything above visible to a worker that sees it.
    Atomics.store(ctrl, C_GEN, gen);
    Atomics.notify(ctrl, C_GEN, nt - 1);
    if (this.holdInside) this.awaitHeld();
    let localError: unknown = null;
    let mine = 0;
    const t0 = performance.now();
    for (;;) {
      const p = claimPiece(this.word, gen, pieces);
      if (p < 0) break;
      // After an error the remaining pieces are only counted, so the call still ends.
      if (localError === null) {
        try {
          local(p * grain, Math.min(total, p * grain + grain));
        } catch (e) {
          localError = e;
        }
      }
      mine++;
      Atomics.add(ctrl, C_FIN, 1);
    }
    // Spin about as long as two of this thread's pieces took: a worker that started one at
    // about the same time is done by then; one that is not was descheduled, and this
    // thread sleeps instead, leaving the core to it.
    const t1 = performance.now();
    const perPiece = mine > 0 ? (t1 - t0) / mine : 0.02;
    this.awaitPieces(pieces, Math.min(SPIN_MS, Math.max(0.02, 2 * perPiece)));
    this.pace.record(t1 - t0, performance.now() - t0, mine, pieces);
    // A worker that exits on its own says so as it dies: look at the flags too.
    if (!this.alive) {
      this.reported = true;
      throw new Error(`${this.failure}; the result of this ${total}-element kernel is lost. ${RECOVERY}`);
    }
    if (localError) throw localError;
    const err = Atomics.load(ctrl, C_ERR);
    if (err) throw new Error(`layers wasm: a kernel failed on worker ${err - 1}`);
  }

  /**
   * Wait until all `pieces` are finished: poll for `spinMs`, then sleep on the counter (the
   * thread finishing the last piece wakes this one), until a worker is known dead or no
   * piece finishes for stallLimitMs.
   */
  private awaitPieces(pieces: number, spinMs: number): void {
    const ctrl = this.ctrl;
    if (spinWhile(() => Atomics.load(ctrl, C_FIN) < pieces, spinMs)) return;
    let fin = Atomics.load(ctrl, C_FIN);
    let since = performance.now();
    while (fin < pieces) {
      if (!this.alive) return;
      if (this.blocking) Atomics.wait(ctrl, C_FIN, fin, 50);
      const f = Atomics.load(ctrl, C_FIN);
      if (f !== fin) {
        fin = f;
        since = performance.now();
      } else if (performance.now() - since > this.stallLimitMs) {
        this.fail(
          `layers wasm: a parallel kernel made no progress for ${this.stallLimitMs} ms ` +
            `(${pieces - fin} of ${pieces} pieces did not finish): a worker was terminated or stopped responding`,
        );
        return;
      }
    }
  }

  /** Test hook: wait (bounded by the stall limit) until the held worker has claimed a piece. */
  private awaitHeld(): void {
    const end = performance.now() + this.stallLimitMs;
    while (Atomics.load(this.ctrl, C_HELD) === 0 && performance.now() < end) {
      if (this.blocking) Atomics.wait(this.ctrl, C_HELD, 0, 10);
    }
  }

  /** Idle workers stop polling and sleep until the next call. */
  park(): void {
    Atomics.store(this.ctrl, C_PARK, 1);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    Atomics.store(this.ctrl, C_STOP, 1);
    Atomics.add(this.ctrl, C_GEN, 1);
    Atomics.notify(this.ctrl, C_GEN);
    for (const w of this.workers) w.terminate();
  }

  /**
   * Test hook: hold worker `i` up, as a descheduled thread would be: before it claims any
   * piece of the next calls (`inside` false), or inside the first piece it claims (the
   * next call then waits for it to claim one). Until {@link ThreadPool.releaseWorkerForTest}.
   */
  holdWorkerForTest(i: number, inside = false): void {
    this.holdInside = inside;
    Atomics.store(this.ctrl, C_HOLD_INSIDE, inside ? 1 : 0);
    Atomics.store(this.ctrl, C_HOLD, i + 1);
  }

  /** Test hook: let a held worker go on. */
  releaseWorkerForTest(): void {
    this.holdInside = false;
    Atomics.store(this.ctrl, C_HOLD, 0);
    Atomics.notify(this.ctrl, C_HOLD);
  }

  /** Test hook: kill worker `i` as a crash would. */
  killWorkerForTest(i: number): Promise<void> {
    const w = this.workers[i] as any;
    return new Promise((res) => {
      if (this.host.node) w.once('exit', () => res());
      else res();
      w.terminate();
    });
  }
}
