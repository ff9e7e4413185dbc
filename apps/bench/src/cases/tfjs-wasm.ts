/** @tensorflow/tfjs-backend-wasm (XNNPACK kernels). In Node it runs on one thread. */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import type { BenchSpec, Contender, Runner } from '../harness.js';
import { tfjsRunner } from './tfjs-common.js';

export default function contender(): Contender {
  return {
    name: 'tfjs-wasm',
    family: 'wasm',
    ours: false,
    async init() {
      if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend did not initialise');
      await tf.ready();
    },
    async prepare(spec: BenchSpec): Promise<Runner | null> {
      // tfjs has one global engine: re-select this backend in case another tfjs peer ran before.
      await tf.setBackend('wasm');
      return tfjsRunner(tf, spec);
    },
  };
}
