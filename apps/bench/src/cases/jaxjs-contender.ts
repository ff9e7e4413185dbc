/** The jax-js contender of one device (webgpu or wasm); the runners are in jaxjs-common.ts. */
import type * as JaxType from '@jax-js/jax';
import type { BenchSpec, Contender, Runner } from '../harness.js';
import { coldRunner } from './cold-runner.js';
import { jaxRunner } from './jaxjs-common.js';
import { installJaxNodeGlobals } from './jaxjs-node.js';

export function jaxContender(device: 'webgpu' | 'wasm'): Contender {
  let jax: typeof JaxType | null = null;
  const name = `jaxjs-${device}`;
  return {
    name,
    family: device,
    ours: false,
    async init() {
      await installJaxNodeGlobals(device === 'webgpu');
      jax = await import('@jax-js/jax');
      const got = await jax.init(device);
      if (!got.includes(device)) throw new Error(`jax-js did not initialise its ${device} device`);
      jax.defaultDevice(device);
    },
    async prepare(spec: BenchSpec): Promise<Runner | null> {
      if (!jax) throw new Error(`${name}: init() was not called`);
      if (spec.kind === 'cold') return coldRunner(name, spec);
      jax.defaultDevice(device);
      return jaxRunner(jax, spec);
    },
  };
}
