import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type { BenchSpec, Contender, Runner } from '../harness.js';
import { tfjsRunner } from './tfjs-common.js';

export default function contender(): Contender {
  return {
    name: 'tfjs-cpu',
    family: 'cpu',
    ours: false,
    async init() {
      if (!(await tf.setBackend('cpu'))) throw new Error('tfjs cpu backend did not initialise');
      await tf.ready();
    },
    async prepare(spec: BenchSpec): Promise<Runner | null> {
      // tfjs has one global engine: re-select our backend in case another tfjs peer ran before.
      await tf.setBackend('cpu');
      return tfjsRunner(tf, spec);
    },
  };
}
