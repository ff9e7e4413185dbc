/**
 * The memory soak in a page: the training loop a PyTorch user writes (no tidy, no dispose,
 * `await loss.item()` every 50 steps) on a chosen backend, sampling core's live counts and
 * the page's JS heap (performance.memory, Chromium only) at each readback.
 */
import { createCpuBackend } from '@layers/backend-cpu';
import { createWasmBackend } from '@layers/backend-wasm';
import { measureSoak, type SoakModel } from '@layers/conformance/soak';
import * as L from '@layers/core';

interface Sample {
  step: number;
  tensors: number;
  bytes: number;
  heap: number;
}

async function soak(backend: 'cpu' | 'wasm', model: SoakModel, steps: number) {
  L.setBackend(backend === 'cpu' ? await createCpuBackend() : await createWasmBackend({ threads: 1 }));
  const heap = () => (performance as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0;
  const samples: Sample[] = [];
  const result = await measureSoak(model, {
    steps,
    batch: 2,
    onReadback: (step, live) =>
      samples.push({ step, tensors: live.tensors, bytes: live.bytes, heap: heap() }),
  });
  return { result, samples };
}

(globalThis as { __soak?: typeof soak }).__soak = soak;
document.body.dataset.ready = 'true';
