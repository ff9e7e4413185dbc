/**
 * pnpm --filter @layers/bench soak [--backend cpu|wasm|webgpu] [--model cnn|lstm|gp] [--steps N]
 *
 * The training loop a PyTorch user writes: no tidy, no dispose, no forced GC, a readback of
 * the loss every 50 steps. Prints RSS, live tensors and live bytes every `--every` steps, so
 * the memory model (packages/core/README.md, "Tensors and memory") can be checked on a long run.
 */
import { measureSoak, type SoakModel } from '@layers/conformance';
import { type Backend, setBackend } from '@layers/core';

interface Args {
  backend: 'cpu' | 'wasm' | 'webgpu';
  model: SoakModel;
  steps: number;
  every: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { backend: 'cpu', model: 'cnn', steps: 10_000, every: 500 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = inline ?? argv[++i];
    if (flag === '--backend') args.backend = value as Args['backend'];
    else if (flag === '--model') args.model = value as SoakModel;
    else if (flag === '--steps') args.steps = Number(value);
    else if (flag === '--every') args.every = Number(value);
    else throw new Error(`soak: unknown argument '${argv[i]}'`);
  }
  return args;
}

async function createBackend(name: Args['backend']): Promise<Backend> {
  if (name === 'cpu') return (await import('@layers/backend-cpu')).createCpuBackend();
  if (name === 'wasm') return (await import('@layers/backend-wasm')).createWasmBackend({ threads: 1 });
  return (await import('@layers/backend-webgpu')).createWebGPUBackend();
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const backend = await createBackend(args.backend);
  setBackend(backend);
  // WebGPU's buffer pool: what the device holds, live and pooled (flat if the pool reuses).
  const stats = (backend as { memory?: unknown }).memory;
  const pool =
    args.backend === 'webgpu' && typeof stats === 'function'
      ? () => (stats as () => { allocatedBytes: number }).call(backend)
      : null;
  console.log(`soak: ${args.model} on ${args.backend}, ${args.steps} steps`);
  console.log(`step\trss MiB\ttensors\tbuffers\tlive MiB\tloss${pool ? '\tgpu MiB' : ''}`);
  const r = await measureSoak(args.model, {
    steps: args.steps,
    warmup: 500,
    onReadback: (i, m, loss) => {
      if (i % args.every !== 0) return;
      const gpu = pool ? `\t${mib(pool().allocatedBytes)}` : '';
      console.log(
        `${i}\t${mib(process.memoryUsage().rss)}\t${m.tensors}\t${m.buffers}\t${mib(m.bytes)}\t${loss.toFixed(4)}${gpu}`,
      );
    },
  });
  console.log(
    `after warm-up: ${r.warm.tensors} tensors, ${mib(r.warm.bytes)} MiB; peak after: ${r.peak.tensors} tensors; end: ${r.end.tensors} tensors, ${mib(r.end.bytes)} MiB`,
  );
}

await main();
