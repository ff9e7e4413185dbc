/**
 * onnxruntime-web, wasm execution provider. Threads come from LAYERS_BENCH_WASM_THREADS
 * (default 1), like layers-wasm. The graphs are encoded in memory by onnx-graphs.ts; weights
 * are initializers, so only the activation is fed per run, as with resident tensors elsewhere.
 */
import * as ort from 'onnxruntime-web';
import type { BenchSpec, Contender, Runner } from '../harness.js';
import { onnxCase } from './onnx-graphs.js';

export default function contender(): Contender {
  const threads = Math.max(1, Number(process.env.LAYERS_BENCH_WASM_THREADS ?? 1) || 1);
  return {
    name: `ort-wasm-${threads}t`,
    family: 'wasm',
    ours: false,
    async init() {
      ort.env.wasm.numThreads = threads;
      ort.env.logLevel = 'error';
    },
    async prepare(spec: BenchSpec): Promise<Runner | null> {
      const c = onnxCase(spec);
      if (!c) return null;
      const session = await ort.InferenceSession.create(c.model, {
        executionProviders: ['wasm'],
        graphOptimizationLevel: 'all',
      });
      const feed = new ort.Tensor('float32', c.x, c.xDims);
      return {
        async step() {
          const out = await session.run({ X: feed });
          await out.Y.getData();
          out.Y.dispose();
        },
        dispose: () => session.release(),
      };
    },
  };
}
