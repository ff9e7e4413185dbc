/**
 * How long a thread polls before it sleeps in Atomics.wait. Waking a sleeping thread costs
 * tens of microseconds, more than a small kernel (a recurrent step, a layer of a small model)
 * takes, so workers keep polling between kernels issued back to back; measured on the LSTM
 * benchmark with 2 threads, 1 ms of polling made a step 2x faster than sleeping at once.
 * An idle pool stops using the CPU after this long, or at once when the backend parks it (an
 * async readback: the caller is about to yield, and polling would take CPU from whatever runs
 * next, such as another library's threads).
 */
export const SPIN_MS = 1;

/** Poll `busy` until it returns false or SPIN_MS pass (the clock is read every 256 polls). */
export function spinWhile(busy: () => boolean): void {
  const end = performance.now() + SPIN_MS;
  for (let i = 1; busy(); i++) {
    if ((i & 255) === 0 && performance.now() > end) return;
  }
}

/**
 * Worker thread body, shipped as source text rather than as a file so neither Node nor a
 * bundler has to locate a second script: Node runs it with `eval: true`, browsers from a Blob
 * URL. It is a string (not a function's toString()) so no transform (vitest, Vite, minifiers)
 * can rewrite it, e.g. turning `import()` into a helper that does not exist in the worker.
 * The protocol slots are repeated as literals; keep them in sync with protocol.ts:
 * 0 GEN, 1 DONE, 2 ERR, 3 KERNEL, 4 NARGS, 5 TOTAL, 6 NT, 7 ALIGN, 8 STOP, 9 GRAIN, 10 NEXT,
 * 11 PARK, 16+i DEAD.
 * Thread ids: 0 is the calling thread, workers are 1..n.
 */
const WORKER_SOURCE = `
const SPIN_MS = ${SPIN_MS};
// pool.ts's spinWhile, repeated here because this file ships as text.
function spinWhile(busy) {
    const end = performance.now() + SPIN_MS;
    for (let i = 1; busy(); i++) {
        if ((i & 255) === 0 && performance.now() > end)
            return;
    }
}
async function workerMain() {
    const g = globalThis;
    const isNode = typeof g.WorkerGlobalScope === 'undefined' && typeof g.process?.versions?.node === 'string';
    // import() works whether Node evaluates this as a script or (--input-type=module) as ESM.
    const port = isNode ? (await import('node:worker_threads')).parentPort : g;
    const onMessage = (fn) => {
        if (isNode)
            port.once('message', fn);
        else
            port.onmessage = (e) => fn(e.data);
    };
    onMessage((init) => {
        const { module, memory, ctrlBuffer, argsBuffer, names, index, scratchBase, scratchPer } = init;
        const ctrl = new Int32Array(ctrlBuffer);
        const args = new Float64Array(argsBuffer);
        const markDead = () => {
            Atomics.store(ctrl, 16 + index, 1);
            Atomics.add(ctrl, 1, 1);
            Atomics.notify(ctrl, 1);
        };
        if (isNode)
            g.process.on('exit', markDead);
        let instance;
        try {
            instance = new WebAssembly.Instance(module, {
                env: { memory, hostLog: Math.log, hostCos: Math.cos, hostSin: Math.sin },
            });
        }
        catch (e) {
            port.postMessage({ type: 'error', message: String(e) });
            return;
        }
        const ex = instance.exports;
        // Thread ids: 0 is the calling thread, workers are 1..n.
        ex.setThread(index + 1, scratchBase, scratchPer);
        const fns = names.map((n) => ex[n]);
        port.postMessage({ type: 'ready' });
        let seen = 0;
        for (;;) {
            // Spin briefly before sleeping: a model issues kernels back to back, and waking a
            // thread blocked in Atomics.wait costs tens of microseconds, more than a small
            // kernel takes. The spin is bounded, so an idle pool stops using the CPU.
            spinWhile(() => Atomics.load(ctrl, 0) === seen && Atomics.load(ctrl, 11) === 0);
            Atomics.wait(ctrl, 0, seen);
            const gen = Atomics.load(ctrl, 0);
            if (gen === seen)
                continue;
            seen = gen;
            if (Atomics.load(ctrl, 8))
                return;
            const nt = ctrl[6];
            const t = index + 1;
            if (t < nt) {
                const total = ctrl[5];
                const align = ctrl[7];
                const grain = ctrl[9];
                const nargs = ctrl[4];
                const a = [];
                for (let i = 0; i < nargs; i++)
                    a.push(args[i]);
                const fn = fns[ctrl[3]];
                try {
                    if (grain > 0) {
                        // Dynamic: claim pieces until none are left.
                        for (;;) {
                            const lo = Atomics.add(ctrl, 10, grain);
                            if (lo >= total)
                                break;
                            fn(...a, lo, Math.min(total, lo + grain));
                        }
                    }
                    else {
                        const start = (k) => k >= nt ? total : Math.min(total, Math.floor(Math.floor((total * k) / nt) / align) * align);
                        const lo = start(t);
                        const hi = start(t + 1);
                        if (hi > lo)
                            fn(...a, lo, hi);
                    }
                }
                catch (e) {
                    Atomics.store(ctrl, 2, index + 1);
                    port.postMessage({ type: 'error', message: String(e) });
                }
            }
            Atomics.add(ctrl, 1, 1);
            Atomics.notify(ctrl, 1);
        }
    });
}
workerMain();
`;

export function workerSource(): string {
  return WORKER_SOURCE;
}
