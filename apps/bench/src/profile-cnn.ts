/**
 * pnpm --filter @layers/bench profile [--backend cpu|wasm|webgpu] [--threads N] [--steps N] [--time N]
 *   [--simd auto|relaxed|baseline]  (wasm: which kernel build; the line printed says which ran)
 *
 * Profiles one training step of the digit CNN (conv 1->8 3x3 pad 1, ReLU, max-pool 2;
 * conv 8->16, ReLU, max-pool 2; Flatten; Linear 784->10; cross-entropy; Adam 1e-3;
 * batch 64) with core's profile(), after warm-up steps, and prints the per-kernel table.
 * `--time N` first times N more steps without the profiler and prints the median wall and
 * process CPU milliseconds per step (CPU time is the steadier figure on a shared machine; with
 * worker threads it also counts their time).
 */
import { parseArgs } from 'node:util';
import * as L from '@layers/core';
import { digitCnn } from './cnn-model.js';

const { values } = parseArgs({
  // `pnpm --filter @layers/bench profile -- --backend webgpu` forwards the `--`: skip it.
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string', default: '1' },
    steps: { type: 'string', default: '5' },
    simd: { type: 'string', default: 'auto' },
    time: { type: 'string', default: '0' },
  },
});

async function makeBackend(name: string, threads: number): Promise<L.Backend> {
  if (name === 'cpu') return (await import('@layers/backend-cpu')).createCpuBackend();
  if (name === 'wasm') {
    const simd = values.simd as 'auto' | 'relaxed' | 'baseline';
    return (await import('@layers/backend-wasm')).createWasmBackend({ threads, simd });
  }
  if (name === 'webgpu') return (await import('@layers/backend-webgpu')).createWebGPUBackend();
  throw new Error(`--backend expects cpu, wasm or webgpu (got '${name}')`);
}

const backend = await makeBackend(values.backend ?? 'wasm', Number(values.threads));
L.setBackend(backend);
L.manualSeed(0);
const { nn, optim } = L;
const model = digitCnn();
const ce = new nn.CrossEntropyLoss();
const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
const x = L.rand([64, 1, 28, 28]);
const y = L.randint(0, 10, [64]);

/** One step as the bench's cnn-train case runs it: the loss is read back every step. */
function step(): Promise<number | boolean> {
  const loss = L.tidy(() => {
    opt.zeroGrad();
    const l = ce.forward(model.forward(x), y);
    l.backward();
    opt.step();
    return l;
  });
  return loss.item().finally(() => loss.dispose());
}

for (let i = 0; i < Number(values.steps); i++) await step();
const timed = Number(values.time);
if (timed > 0) {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < timed; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await step();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const median = (a: number[]) => a.sort((p, q) => p - q)[a.length >> 1].toFixed(2);
  console.log(
    `${backend.name}: ${timed} steps, median ${median(wall)} ms wall, ${median(cpu)} ms CPU per step`,
  );
}
const { report } = await L.profile(step);
const info = (backend as { info?: { simd: string; threads: number } }).info;
const label = info ? `${backend.name} (${info.simd}, ${info.threads} threads)` : backend.name;
console.log(`${label}: one CNN training step, ${report.kernels} kernels (${report.fusedKernels} fused)`);
console.log(report.table());
await backend.destroy?.();
