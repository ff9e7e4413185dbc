/**
 * node dist/cold.js <contender> <matmul|cnn>: one cold start, for cold-runner.ts. Modules are
 * loaded first; the clock starts just before the backend is created and stops once the first
 * result (matmul 256, or the digit CNN's forward at batch 64) is back in JS. Prints ms.
 */
import { benchData } from './harness.js';

const [contender, what] = process.argv.slice(2);

async function layers(family: string): Promise<number> {
  const core = await import('@layers/core');
  const { digitCnn } = await import('./cnn-model.js');
  const make =
    family === 'webgpu'
      ? async () => (await import('@layers/backend-webgpu')).createWebGPUBackend()
      : async () =>
          (await import('@layers/backend-wasm')).createWasmBackend({
            threads: Math.max(1, Number(process.env.LAYERS_BENCH_WASM_THREADS ?? 1) || 1),
          });
  const t0 = performance.now();
  const backend = await make();
  core.setBackend(backend);
  if (what === 'matmul') {
    const a = core.fromTypedArray(benchData(256 * 256, 1), [256, 256], backend);
    const b = core.fromTypedArray(benchData(256 * 256, 2), [256, 256], backend);
    await core.matmul(a, b).data();
  } else {
    const model = digitCnn().eval();
    const x = core.fromTypedArray(benchData(64 * 784, 40), [64, 1, 28, 28], backend);
    await core.noGrad(() => model.forward(x)).data();
  }
  return performance.now() - t0;
}

async function jaxjs(device: 'webgpu' | 'wasm'): Promise<number> {
  const { installJaxNodeGlobals } = await import('./cases/jaxjs-node.js');
  await installJaxNodeGlobals(device === 'webgpu');
  const jax = await import('@jax-js/jax');
  const { jaxRunner } = await import('./cases/jaxjs-common.js');
  const t0 = performance.now();
  await jax.init(device);
  jax.defaultDevice(device);
  const runner =
    what === 'matmul'
      ? jaxRunner(jax, { kind: 'matmul', id: 'cold', n: 256 })
      : jaxRunner(jax, { kind: 'cnn', id: 'cold', mode: 'forward' });
  await runner?.step();
  return performance.now() - t0;
}

const [lib, family] = contender.split('-');
const ms = lib === 'layers' ? await layers(family) : await jaxjs(family as 'webgpu' | 'wasm');
console.log(ms.toFixed(1));
process.exit(0);
