/**
 * pnpm --filter @layers/bench profile [--backend cpu|wasm|webgpu] [--threads N] [--steps N]
 *
 * Profiles one training step of the digit CNN (conv 1->8 3x3 pad 1, ReLU, max-pool 2;
 * conv 8->16, ReLU, max-pool 2; Flatten; Linear 784->10; cross-entropy; Adam 1e-3;
 * batch 64) with core's profile(), after warm-up steps, and prints the per-kernel table.
 */
import { parseArgs } from 'node:util';
import * as L from '@layers/core';
import { digitCnn } from './cnn-model.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string', default: '1' },
    steps: { type: 'string', default: '5' },
  },
});

async function makeBackend(name: string, threads: number): Promise<L.Backend> {
  if (name === 'cpu') return (await import('@layers/backend-cpu')).createCpuBackend();
  if (name === 'wasm') return (await import('@layers/backend-wasm')).createWasmBackend({ threads });
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
const { report } = await L.profile(step);
console.log(
  `${backend.name}: one CNN training step, ${report.kernels} kernels (${report.fusedKernels} fused)`,
);
console.log(report.table());
await backend.destroy?.();
