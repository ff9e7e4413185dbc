/** @jax-js/jax on its wasm device, multi-threaded through the Worker shim (see jaxjs-node.ts). */
import type { Contender } from '../harness.js';
import { jaxContender } from './jaxjs-contender.js';

export default function contender(): Contender {
  return jaxContender('wasm');
}
