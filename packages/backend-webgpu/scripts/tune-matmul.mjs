// GEMM tile tuning on a real GPU (not part of the test suite): for each size and tile shape,
// median ms of one matmul + readback (what apps/bench times) and kernel-only GFLOP/s
// (20 back-to-back matmuls, one readback). Run from the package root after a build:
//   node scripts/tune-matmul.mjs
import { createWebGPUBackend } from '../dist/index.js';

const be = await createWebGPUBackend({ powerPreference: 'high-performance' });
const tiles = [null, 'large', 'wide', 'medium', 'small'];
function make(shape, seed) {
  const n = shape.reduce((a, b) => a * b, 1);
  const buf = be.alloc(n, 'float32');
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = Math.sin(i * 0.37 + seed);
  be.write(buf, 'float32', d);
  const strides = [];
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return { buffer: buf, dtype: 'float32', shape, strides, offset: 0 };
}
const median = (t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)];
for (const n of [256, 512, 1024, 2048]) {
  const a = make([1, n, n], 1);
  const b = make([1, n, n], 2);
  const out = make([1, n, n], 3);
  const bt = { ...b, strides: [n * n, 1, n] }; // transposed B view
  for (const [label, bv] of [
    ['NN', b],
    ['NT', bt],
  ]) {
    for (const t of tiles) {
      be.gemmOverride = t;
      for (let i = 0; i < 5; i++) {
        be.matmul(a, bv, out);
        await be.read(out.buffer, 'float32', n * n);
      }
      const times = [];
      for (let i = 0; i < 21; i++) {
        const t0 = performance.now();
        be.matmul(a, bv, out);
        await be.read(out.buffer, 'float32', n * n);
        times.push(performance.now() - t0);
      }
      const reps = 20;
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) be.matmul(a, bv, out);
      await be.read(out.buffer, 'float32', 4);
      const per = (performance.now() - t0) / reps;
      console.log(
        `n=${n} ${label} tile=${t ?? 'auto'}: step ${median(times).toFixed(3)} ms | kernel ${per.toFixed(3)} ms = ${((2 * n ** 3) / per / 1e6).toFixed(0)} GFLOP/s`,
      );
    }
  }
  be.gemmOverride = null;
}
// Readback alone (the share of a bench step that is not the kernel).
for (const n of [256, 1024]) {
  const out = make([1, n, n], 3);
  const times = [];
  for (let i = 0; i < 25; i++) {
    const t0 = performance.now();
    await be.read(out.buffer, 'float32', n * n);
    times.push(performance.now() - t0);
  }
  console.log(`read ${n}x${n}: ${median(times).toFixed(3)} ms`);
}
// The bench's conv2d (b8 32->64 32x32 k3, input pre-padded to 34x34) under each tile shape.
{
  const x = make([8, 32, 34, 34], 4);
  const w = make([64, 32, 3, 3], 5);
  const bias = make([64], 6);
  const out = make([8, 64, 32, 32], 7);
  const p = { stride: [1, 1], dilation: [1, 1], groups: 1 };
  for (const t of tiles) {
    be.gemmOverride = t;
    for (let i = 0; i < 5; i++) be.fused.conv2d(x, w, bias, out, p);
    await be.read(out.buffer, 'float32', 4);
    const reps = 20;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) be.fused.conv2d(x, w, bias, out, p);
    await be.read(out.buffer, 'float32', 4);
    console.log(`conv tile=${t ?? 'auto'}: kernel ${((performance.now() - t0) / reps).toFixed(3)} ms`);
  }
  be.gemmOverride = null;
}
be.destroy();
