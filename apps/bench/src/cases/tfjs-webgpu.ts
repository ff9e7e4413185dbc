/**
 * @tensorflow/tfjs-backend-webgpu in Node on the same Dawn adapter as layers-webgpu: the
 * `webgpu` package provides navigator.gpu and the WebGPU globals (GPUBufferUsage, ...) that
 * tfjs expects from a browser.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BenchSpec, Contender, Runner } from '../harness.js';
import { tfjsRunner } from './tfjs-common.js';

async function installNodeWebGPU(): Promise<void> {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return;
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create([]);
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
}

export default function contender(): Contender {
  return {
    name: 'tfjs-webgpu',
    family: 'webgpu',
    ours: false,
    async init() {
      await installNodeWebGPU();
      await import('@tensorflow/tfjs-backend-webgpu');
      if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs webgpu backend did not initialise');
      await tf.ready();
    },
    async prepare(spec: BenchSpec): Promise<Runner | null> {
      // tfjs has one global engine: re-select this backend in case another tfjs peer ran before.
      await tf.setBackend('webgpu');
      return tfjsRunner(tf, spec);
    },
  };
}
