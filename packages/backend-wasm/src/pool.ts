/**
 * A pool of worker threads that share the kernels' WebAssembly.Memory. A parallel call
 * writes (kernel, args, range) into a shared control block, bumps a generation counter
 * the workers Atomics.wait on, runs chunk 0 on the calling thread and waits for the rest.
 */

import type { Host } from './host/host.js';
import {
  C_ALIGN,
  C_DEAD,
  C_DONE,
  C_ERR,
  C_GEN,
  C_GRAIN,
  C_KERNEL,
  C_NARGS,
  C_NEXT,
  C_NT,
  C_PARK,
  C_STOP,
  C_TOTAL,
  CTRL_INTS,
  chunkStart,
  MAX_ARGS,
} from './protocol.js';
import { spinWhile, workerSource } from './worker.js';

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
   * Run `fns[kernel](...args, lo, hi)` over [0, total) on `nt` threads (calling thread + nt-1
   * workers). `local` runs the calling thread's chunk on its own instance. With `grain` > 0
   * the threads claim grain-sized pieces from a shared counter instead of one fixed chunk
   * each, so a thread that gets less CPU time (a busy machine) takes fewer pieces.
   */
  run(
    kernel: number,
    args: readonly number[],
    total: number,
    nt: number,
    align: number,
    local: (lo: number, hi: number) => void,
    grain = 0,
  ): void {
    this.check();
    if (!this.alive) {
      // Fallen back after a reported failure: the whole range on this thread.
      local(0, total);
      return;
    }
    const ctrl = this.ctrl;
    for (let i = 0; i < args.length; i++) this.args[i] = args[i];
    ctrl[C_KERNEL] = kernel;
    ctrl[C_NARGS] = args.length;
    ctrl[C_TOTAL] = total;
    ctrl[C_NT] = nt;
    ctrl[C_ALIGN] = align;
    ctrl[C_GRAIN] = grain;
    Atomics.store(ctrl, C_NEXT, 0);
    Atomics.store(ctrl, C_ERR, 0);
    Atomics.store(ctrl, C_DONE, 0);
    Atomics.store(ctrl, C_PARK, 0);
    Atomics.add(ctrl, C_GEN, 1);
    Atomics.notify(ctrl, C_GEN);
    let localError: unknown = null;
    try {
      if (grain > 0) {
        for (;;) {
          const lo = Atomics.add(ctrl, C_NEXT, grain);
          if (lo >= total) break;
          local(lo, Math.min(total, lo + grain));
        }
      } else {
        const hi = chunkStart(1, nt, total, align);
        if (hi > 0) local(0, hi);
      }
    } catch (e) {
      localError = e;
    }
    // Every worker acknowledges each generation, even those outside `nt`.
    const want = this.size;
    spinWhile(() => Atomics.load(ctrl, C_DONE) < want);
    this.awaitWorkers(want);
    // A worker that exits on its own acknowledges as it dies: look at the flags too.
    if (!this.alive) {
      this.reported = true;
      throw new Error(`${this.failure}; the result of this ${total}-element kernel is lost. ${RECOVERY}`);
    }
    if (localError) throw localError;
    const err = Atomics.load(ctrl, C_ERR);
    if (err) throw new Error(`layers wasm: a kernel failed on worker ${err - 1}`);
  }

  /** Wait for `want` acknowledgements, or until a worker is known dead or makes no progress. */
  private awaitWorkers(want: number): void {
    const ctrl = this.ctrl;
    let done = Atomics.load(ctrl, C_DONE);
    let next = Atomics.load(ctrl, C_NEXT);
    let since = performance.now();
    while (done < want) {
      if (!this.alive) return;
      if (this.blocking) Atomics.wait(ctrl, C_DONE, done, 50);
      const d = Atomics.load(ctrl, C_DONE);
      const n = Atomics.load(ctrl, C_NEXT);
      if (d !== done || n !== next) {
        done = d;
        next = n;
        since = performance.now();
      } else if (performance.now() - since > this.stallLimitMs) {
        this.fail(
          `layers wasm: a parallel kernel made no progress for ${this.stallLimitMs} ms ` +
            `(${want - done} of ${want} workers did not finish): a worker was terminated or stopped responding`,
        );
        return;
      }
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
