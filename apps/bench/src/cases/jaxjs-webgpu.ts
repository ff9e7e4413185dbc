/** @jax-js/jax on its WebGPU device, on the same Dawn adapter as layers-webgpu (see jaxjs-node.ts). */
import type { Contender } from '../harness.js';
import { jaxContender } from './jaxjs-contender.js';

export default function contender(): Contender {
  return jaxContender('webgpu');
}
