/**
 * node apps/bench/dist/profile-f16.js (after `pnpm --filter @layers/bench build`), on an
 * adapter with shader-f16, e.g. Mesa 25's lavapipe:
 *   VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/lvp_icd.json node apps/bench/dist/profile-f16.js
 *
 * float16 vs float32 on WebGPU: matmul n x n (8 back-to-back products, then a sync) and one
 * SGD training step of the digit CNN (batch 32), each as float32, float16 with the backend's
 * native float16 kernels, and float16 with them turned off (core's float32 temporaries).
 * Contenders alternate within each trial; medians of 7 (a first trial compiles pipelines).
 */
import { createWebGPUBackend } from '@layers/backend-webgpu';
import * as L from '@layers/core';
import { digitCnn } from './cnn-model.js';

const be = await createWebGPUBackend({ tuning: { autotune: false } });
if (!be.device.features.has('shader-f16')) throw new Error('profile-f16: this adapter has no shader-f16');
L.setBackend(be);
// The backend's list, swapped per contender (a bench-only override of a readonly field).
const slot = be as unknown as { float16Kernels: ReadonlySet<string> };
const native = be.float16Kernels;
type Contender = readonly [label: string, dtype: L.DType, kernels: ReadonlySet<string>];
const contenders: Contender[] = [
  ['float32', 'float32', native],
  ['float16 native', 'float16', native],
  ['float16 emulated', 'float16', new Set()],
];
const median = (t: number[]) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];

async function time(trials: number, run: (i: number) => Promise<void>): Promise<number[]> {
  const ms: number[][] = contenders.map(() => []);
  for (let t = 0; t <= trials; t++) {
    for (let c = 0; c < contenders.length; c++) {
      slot.float16Kernels = contenders[c][2];
      const t0 = performance.now();
      await run(c);
      if (t > 0) ms[c].push(performance.now() - t0);
    }
  }
  slot.float16Kernels = native;
  return ms.map(median);
}

const row = (res: number[], fmt: (ms: number) => string) =>
  contenders.map(([label], i) => `${label} ${fmt(res[i])}`).join(', ');

for (const n of [512, 1024]) {
  L.manualSeed(n);
  const a = L.randn([n, n]);
  const b = L.randn([n, n]);
  const ops = contenders.map(([, dt]) => [a.to(dt), b.to(dt)] as const);
  const res = await time(7, async (i) => {
    for (let r = 0; r < 8; r++) L.tidy(() => ops[i][0].matmul(ops[i][1]));
    await be.sync();
  });
  const gflops = (ms: number) => ((8 * 2 * n ** 3) / (ms * 1e6)).toFixed(1);
  console.log(`matmul ${n}: ${row(res, (ms) => `${(ms / 8).toFixed(1)} ms (${gflops(ms)} GFLOP/s)`)}`);
}

const y = L.randint(0, 10, [32]);
const loss = new L.nn.CrossEntropyLoss();
const nets = contenders.map(([, dt]) => {
  L.manualSeed(0);
  const model = dt === 'float16' ? digitCnn().half() : digitCnn();
  return {
    model,
    opt: new L.optim.SGD(model.parameters(), { lr: 0.01 }),
    x: L.randn([32, 1, 28, 28]).to(dt),
  };
});
const steps = await time(7, async (i) => {
  const { model, opt, x } = nets[i];
  const l = L.tidy(() => {
    opt.zeroGrad();
    const out = loss.forward(model.forward(x), y);
    out.backward();
    opt.step();
    return out;
  });
  await l.data();
  l.dispose();
});
console.log(`cnn step (batch 32): ${row(steps, (ms) => `${ms.toFixed(1)} ms`)}`);
await be.destroy();
