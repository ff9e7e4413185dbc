/**
 * @layers/backend-wasm. Threads come from LAYERS_BENCH_WASM_THREADS (default 1), so the
 * single-thread and 2-thread tables are two runs:
 *   pnpm bench --only wasm
 *   LAYERS_BENCH_WASM_THREADS=2 pnpm bench --only wasm
 */
import { createWasmBackend } from '@layers/backend-wasm';
import type { Backend } from '@layers/core';
import type { BenchSpec, Contender, Runner } from '../harness.js';
import { coldRunner } from './cold-runner.js';
import { tensorRunner } from './layers-common.js';

export function wasmBenchThreads(): number {
  return Math.max(1, Number(process.env.LAYERS_BENCH_WASM_THREADS ?? 1) || 1);
}

export default function contender(): Contender {
  const threads = wasmBenchThreads();
  let backend: Backend | null = null;
  return {
    name: `layers-wasm-${threads}t`,
    family: 'wasm',
    ours: true,
    async init() {
      backend = await createWasmBackend({ threads });
    },
    async prepare(spec: BenchSpec): Promise<Runner | null> {
      if (!backend) throw new Error('layers-wasm: init() was not called');
      if (spec.kind === 'cold') return coldRunner(`layers-wasm-${threads}t`, spec);
      return tensorRunner(backend, spec);
    },
    async dispose() {
      await backend?.destroy?.();
      backend = null;
    },
  };
}
