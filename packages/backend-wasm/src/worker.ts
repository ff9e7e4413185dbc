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

/**
 * Poll `busy` until it returns false or `ms` pass (the clock is read every 64 polls); true
 * when it stopped because `busy` turned false.
 */
export function spinWhile(busy: () => boolean, ms = SPIN_MS): boolean {
  const end = performance.now() + ms;
  for (let i = 1; busy(); i++) {
    if ((i & 63) === 0 && performance.now() > end) return !busy();
  }
  return true;
}

/**
 * Worker thread body, shipped as source text rather than as a file so neither Node nor a
 * bundler has to locate a second script: Node runs it with `eval: true`, browsers from a Blob
 * URL. It is a string (not a function's toString()) so no transform (vitest, Vite, minifiers)
 * can rewrite it, e.g. turning `import()` into a helper that does not exist in the worker.
 * The protocol slots are repeated as literals; keep them in sync with protocol.ts:
 * 0 GEN, 1 FIN, 2 ERR, 3 KERNEL, 4 NARGS, 5 TOTAL, 6 NT, 7 PIECES, 8 STOP, 9 GRAIN, 10 HOLD,
 * 11 PARK, 12 HOLD_INSIDE, 13 HELD, 16+i DEAD; claimPiece is protocol.ts's.
 * Thread ids: 0 is the calling thread, workers are 1..n.
 */
const WORKER_SOURCE = `
const SPIN_MS = ${SPIN_MS};
// pool.ts's spinWhile and protocol.ts's claimPiece, repeated here because this file ships as text.
function spinWhile(busy) {
    const end = performance.now() + SPIN_MS;
    for (let i = 1; busy(); i++) {
        if ((i & 63) === 0 && performance.now() > end)
            return;
    }
}
function claimPiece(word, gen, pieces) {
    const g = BigInt(gen >>> 0);
    for (;;) {
        const w = Atomics.load(word, 0);
        if (w >> 32n !== g)
            return -1;
        const i = Number(w & 0xffffffffn);
        if (i >= pieces)
            return -1;
        if (Atomics.compareExchange(word, 0, w, w + 1n) === w)
            return i;
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
        const { module, memory, ctrlBuffer, argsBuffer, claimBuffer, names, index, scratchBase, scratchPer } = init;
        const ctrl = new Int32Array(ctrlBuffer);
        const args = new Float64Array(argsBuffer);
        const word = new BigUint64Array(claimBuffer);
        const markDead = () => {
            Atomics.store(ctrl, 16 + index, 1);
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
        // Test hook (pool.holdWorkerForTest): block while this worker is the held one.
        const hold = () => {
            if (Atomics.load(ctrl, 10) !== index + 1)
                return;
            Atomics.store(ctrl, 13, 1);
            Atomics.notify(ctrl, 13);
            while (Atomics.load(ctrl, 10) === index + 1)
                Atomics.wait(ctrl, 10, index + 1);
            Atomics.store(ctrl, 13, 0);
        };
        let seen = 0;
        let worked = false;
        for (;;) {
            // Poll briefly before sleeping, but only after a call this worker took part in: a
            // model issues kernels back to back and waking a thread blocked in Atomics.wait
            // costs tens of microseconds. A worker that came too late for every piece (it was
            // descheduled, or the call was small) sleeps at once instead of taking CPU from
            // the threads doing the work.
            if (worked)
                spinWhile(() => Atomics.load(ctrl, 0) === seen && Atomics.load(ctrl, 11) === 0);
            Atomics.wait(ctrl, 0, seen);
            const gen = Atomics.load(ctrl, 0);
            if (gen === seen)
                continue;
            seen = gen;
            worked = false;
            if (Atomics.load(ctrl, 8))
                return;
            const inside = Atomics.load(ctrl, 12) === 1;
            if (!inside)
                hold();
            // Read this call's arguments; if the call is over by the time a piece is claimed,
            // the claim fails and nothing read here is used.
            const total = ctrl[5];
            const grain = ctrl[9];
            const pieces = ctrl[7];
            const nargs = ctrl[4];
            const a = [];
            for (let i = 0; i < nargs; i++)
                a.push(args[i]);
            const fn = fns[ctrl[3]];
            for (;;) {
                const p = claimPiece(word, gen, pieces);
                if (p < 0)
                    break;
                if (inside && !worked)
                    hold();
                worked = true;
                const lo = p * grain;
                try {
                    fn(...a, lo, Math.min(total, lo + grain));
                }
                catch (e) {
                    Atomics.store(ctrl, 2, index + 1);
                    port.postMessage({ type: 'error', message: String(e) });
                }
                if (Atomics.add(ctrl, 1, 1) + 1 === pieces)
                    Atomics.notify(ctrl, 1);
            }
        }
    });
}
workerMain();
`;

export function workerSource(): string {
  return WORKER_SOURCE;
}
