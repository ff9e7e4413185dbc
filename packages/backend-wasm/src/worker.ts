/**
 * Worker thread body. It is shipped as source text (`workerSource()`), not as a file, so
 * neither Node nor a bundler has to locate a second script: Node runs it with
 * `eval: true`, browsers from a Blob URL. It must therefore be self-contained: no imports,
 * no references outside the function (the protocol constants are repeated as literals,
 * see protocol.ts).
 */
function workerMain(): void {
  const g: any = globalThis;
  const isNode = typeof g.WorkerGlobalScope === 'undefined' && typeof g.require === 'function';
  const port: any = isNode ? g.require('node:worker_threads').parentPort : g;
  const onMessage = (fn: (data: any) => void) => {
    if (isNode) port.once('message', fn);
    else port.onmessage = (e: any) => fn(e.data);
  };
  onMessage((init: any) => {
    const { module, memory, ctrlBuffer, argsBuffer, names, index, scratchBase, scratchPer } = init;
    const ctrl = new Int32Array(ctrlBuffer);
    const args = new Float64Array(argsBuffer);
    const markDead = () => {
      Atomics.store(ctrl, 16 + index, 1);
      Atomics.add(ctrl, 1, 1);
      Atomics.notify(ctrl, 1);
    };
    if (isNode) g.process.on('exit', markDead);
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(module, {
        env: { memory, hostLog: Math.log, hostCos: Math.cos, hostSin: Math.sin },
      });
    } catch (e) {
      port.postMessage({ type: 'error', message: String(e) });
      return;
    }
    const ex: any = instance.exports;
    // Thread ids: 0 is the calling thread, workers are 1..n.
    ex.setThread(index + 1, scratchBase, scratchPer);
    const fns = names.map((n: string) => ex[n]);
    port.postMessage({ type: 'ready' });
    let seen = 0;
    for (;;) {
      Atomics.wait(ctrl, 0, seen);
      const gen = Atomics.load(ctrl, 0);
      if (gen === seen) continue;
      seen = gen;
      if (Atomics.load(ctrl, 8)) return;
      const nt = ctrl[6];
      const t = index + 1;
      if (t < nt) {
        const total = ctrl[5];
        const align = ctrl[7];
        const start = (k: number) =>
          k >= nt ? total : Math.min(total, Math.floor(Math.floor((total * k) / nt) / align) * align);
        const lo = start(t);
        const hi = start(t + 1);
        if (hi > lo) {
          const nargs = ctrl[4];
          const a: number[] = [];
          for (let i = 0; i < nargs; i++) a.push(args[i]);
          a.push(lo, hi);
          try {
            fns[ctrl[3]](...a);
          } catch (e) {
            Atomics.store(ctrl, 2, index + 1);
            port.postMessage({ type: 'error', message: String(e) });
          }
        }
      }
      Atomics.add(ctrl, 1, 1);
      Atomics.notify(ctrl, 1);
    }
  });
}

export function workerSource(): string {
  return `(${workerMain.toString()})();\n`;
}
