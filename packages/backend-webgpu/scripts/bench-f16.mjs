// float16 vs float32 timings on an adapter with shader-f16 (not part of the test suite):
// matmul n x n (8 back-to-back products, then a sync) and one training step of the digit CNN
// (batch 32), each as float32, float16 with the native kernels, and float16 with them turned
// off (core's float32 temporaries). Contenders alternate within each trial; medians of 7.
// Run from the package root after a build, on lavapipe for example:
//   VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/lvp_icd.json node scripts/bench-f16.mjs
import * as L from '@layers/core';
import { createWebGPUBackend } from '../dist/index.js';

const be = await createWebGPUBackend({ tuning: { autotune: false } });
if (!be.device.features.has('shader-f16')) throw new Error('bench-f16: this adapter has no shader-f16');
L.setBackend(be);
const native = be.float16Kernels;
const contenders = [
  ['float32', 'float32', native],
  ['float16 native', 'float16', native],
  ['float16 emulated', 'float16', new Set()],
];
const median = (t) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];

async function time(cases, trials, run) {
  const ms = cases.map(() => []);
  for (let t = 0; t < trials + 1; t++) {
    for (let c = 0; c < cases.length; c++) {
      be.float16Kernels = cases[c][2];
      const t0 = performance.now();
      await run(cases[c], c);
      if (t > 0) ms[c].push(performance.now() - t0); // trial 0 compiles the pipelines
    }
  }
  be.float16Kernels = native;
  return ms.map(median);
}

for (const n of [512, 1024]) {
  L.manualSeed(n);
  const a32 = L.randn([n, n]);
  const b32 = L.randn([n, n]);
  const ops = contenders.map(([, dt]) => [a32.to(dt), b32.to(dt)]);
  const res = await time(contenders, 7, async (_c, i) => {
    const [a, b] = ops[i];
    for (let r = 0; r < 8; r++) L.tidy(() => a.matmul(b));
    await be.sync();
  });
  const gf = (ms) => ((8 * 2 * n ** 3) / (ms * 1e6)).toFixed(1);
  console.log(
    `matmul ${n}: ${contenders.map(([name], i) => `${name} ${(res[i] / 8).toFixed(1)} ms (${gf(res[i])} GFLOP/s)`).join(', ')}`,
  );
}

const { nn } = L;
function cnn(dtype) {
  L.manualSeed(0);
  const m = new nn.Sequential(
    new nn.Conv2d(1, 8, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(8, 16, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(16 * 7 * 7, 10),
  );
  return dtype === 'float16' ? m.half() : m;
}
const nets = contenders.map(([, dt]) => {
  const model = cnn(dt);
  return {
    model,
    opt: new L.optim.SGD(model.parameters(), { lr: 0.01 }),
    x: L.randn([32, 1, 28, 28]).to(dt),
  };
});
const y = L.randint(0, 10, [32]);
const loss = new nn.CrossEntropyLoss();
const steps = await time(contenders, 7, async (_c, i) => {
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
console.log(
  `cnn step (batch 32): ${contenders.map(([name], i) => `${name} ${steps[i].toFixed(1)} ms`).join(', ')}`,
);
await be.destroy();
