// scratch: how the 2-thread pool fares under load: count parallel calls, solo calls, losses.
import { createWasmBackend } from '@layers/backend-wasm';
import * as core from '@layers/core';
import { digitCnn } from './dist/cnn-model.js';
const b = await createWasmBackend({ threads: 2 });
core.setBackend(b);
const pool = b.pool;
const stats = { par: 0, solo: 0, lost: 0, waitMs: 0, parMs: 0, soloMs: 0 };
const origRun = pool.run.bind(pool);
pool.run = (k, args, total, nt, grain, local) => {
  const solo = pool.pace.solo();
  const before = pool.pace.backoffMs;
  const t0 = performance.now();
  origRun(k, args, total, nt, grain, local);
  const dt = performance.now() - t0;
  if (solo) { stats.solo++; stats.soloMs += dt; } else { stats.par++; stats.parMs += dt; if (pool.pace.backoffMs > before || (before > 0 && pool.pace.solo())) stats.lost++; }
};
const model = digitCnn(); const ce = new core.nn.CrossEntropyLoss(); const opt = new core.optim.Adam(model.parameters(), { lr: 1e-3 });
const x = core.rand([64, 1, 28, 28]); const y = core.randint(0, 10, [64]);
const step = async () => { const l = core.tidy(() => { opt.zeroGrad(); const l = ce.forward(model.forward(x), y); l.backward(); opt.step(); return l; }); await l.item(); l.dispose(); };
for (let i = 0; i < 5; i++) await step();
for (const k in stats) stats[k] = 0;
const t0 = performance.now(); const c0 = process.cpuUsage();
for (let i = 0; i < 94; i++) await step();
const c = process.cpuUsage(c0);
console.log('wall', (performance.now() - t0).toFixed(0), 'cpu', ((c.user + c.system) / 1000).toFixed(0), JSON.stringify(stats, (k, v) => typeof v === 'number' ? Math.round(v) : v));
process.exit(0);
