// scratch: A/B two kernel builds on CNN pieces, alternating. node scratch-ab.mjs OLD_DIR NEW_DIR relaxed|baseline
import { readFileSync } from 'node:fs';
import { createWasmBackend } from '@layers/backend-wasm';
import * as core from '@layers/core';
import { digitCnn } from './dist/cnn-model.js';
const [oldDir, newDir, simd] = process.argv.slice(2);
const file = simd === 'relaxed' ? 'kernels-relaxed-st.wasm' : 'kernels-st.wasm';
async function mk(dir) {
  const b = await createWasmBackend({ threads: 1, simd, wasmModule: readFileSync(`${dir}/${file}`) });
  core.setBackend(b);
  core.manualSeed(0);
  const F = core.nn.functional;
  const x1 = core.rand([64, 1, 28, 28]);
  const w1 = core.rand([8, 1, 3, 3]).requiresGrad_();
  const x2 = core.rand([64, 8, 14, 14]).requiresGrad_();
  const w2 = core.rand([16, 8, 3, 3]).requiresGrad_();
  const a = core.rand([256, 256]);
  const model = digitCnn();
  const ce = new core.nn.CrossEntropyLoss();
  const opt = new core.optim.Adam(model.parameters(), { lr: 1e-3 });
  const y = core.randint(0, 10, [64]);
  const cases = {
    conv1fwd: async () => { const o = F.conv2d(x1, w1, undefined, { padding: 1 }); await o.data(); o.dispose(); },
    conv2fwd: async () => { const o = F.conv2d(x2, w2, undefined, { padding: 1 }); await o.data(); o.dispose(); },
    conv2bwd: async () => { const g = core.tidy(() => { const o = F.conv2d(x2, w2, undefined, { padding: 1 }); return core.grad ? null : null; }); },
    mm256: async () => { const o = core.matmul(a, a); await o.data(); o.dispose(); },
    step: async () => {
      const l = core.tidy(() => { opt.zeroGrad(); const l = ce.forward(model.forward(x1), y); l.backward(); opt.step(); return l; });
      await l.item(); l.dispose();
    },
  };
  delete cases.conv2bwd;
  return { b, cases };
}
const A = await mk(oldDir), B = await mk(newDir);
console.log(A.b.info.simd, B.b.info.simd);
const reps = { conv1fwd: 40, conv2fwd: 40, mm256: 40, step: 10 };
const res = {};
for (let r = 0; r < 7; r++) for (const [tag, S] of r % 2 ? [['old', A], ['new', B]] : [['new', B], ['old', A]]) {
  core.setBackend(S.b);
  for (const [k, f] of Object.entries(S.cases)) {
    await f();
    const c0 = process.cpuUsage();
    for (let i = 0; i < reps[k]; i++) await f();
    const c = process.cpuUsage(c0);
    ((res[k] ??= { old: [], new: [] })[tag]).push((c.user + c.system) / 1000 / reps[k]);
  }
}
const med = (a) => a.sort((p, q) => p - q)[a.length >> 1];
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(10), 'old', med(v.old).toFixed(3), 'new', med(v.new).toFixed(3), 'ms CPU; new/old', (med(v.new) / med(v.old)).toFixed(3));
process.exit(0);
