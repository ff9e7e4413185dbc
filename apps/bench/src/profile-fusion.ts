/**
 * pnpm --filter @layers/bench profile:fusion [--backend cpu|wasm|webgpu] [--steps N]
 *
 * Kernels and milliseconds per training step of three models, with the backend's expression
 * kernel (core's fused compositions) and with it hidden (core's composed ops and whichever
 * hand-written fused kernels the backend has): the digit CNN of `profile` (Adam), an LSTM
 * classifier (SGD with momentum) and a transformer encoder layer with GELU (AdamW).
 *
 * On the 2-core development machine under a load average near 18 (2026-12-02, cpu, best of
 * 8 interleaved steps): CNN 207 -> 87 kernels, 290 -> 201 ms; LSTM 1121 -> 397 kernels,
 * 138 -> 84 ms; transformer layer 472 -> 198 kernels, 156 -> 112 ms.
 */
import { parseArgs } from 'node:util';
import * as L from '@layers/core';

const { values } = parseArgs({
  // `pnpm --filter @layers/bench profile -- --backend webgpu` forwards the `--`: skip it.
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    backend: { type: 'string', default: 'cpu' },
    steps: { type: 'string', default: '5' },
  },
});

async function makeBackend(name: string): Promise<L.Backend> {
  if (name === 'cpu') return (await import('@layers/backend-cpu')).createCpuBackend();
  if (name === 'wasm') return (await import('@layers/backend-wasm')).createWasmBackend({ threads: 1 });
  if (name === 'webgpu') return (await import('@layers/backend-webgpu')).createWebGPUBackend();
  throw new Error(`--backend expects cpu, wasm or webgpu (got '${name}')`);
}

const backend = await makeBackend(values.backend ?? 'cpu');
L.setBackend(backend);
const { nn, optim } = L;

interface Model {
  name: string;
  step(): L.Tensor;
}

function cnn(): Model {
  const model = new nn.Sequential(
    new nn.Conv2d(1, 8, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(8, 16, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(16 * 7 * 7, 10),
  );
  const ce = new nn.CrossEntropyLoss();
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = L.rand([64, 1, 28, 28]);
  const y = L.randint(0, 10, [64]);
  return {
    name: 'CNN (batch 64, Adam)',
    step: () => {
      opt.zeroGrad();
      const l = ce.forward(model.forward(x), y);
      l.backward();
      opt.step();
      return l;
    },
  };
}

function lstm(): Model {
  const rnn = new nn.LSTM(32, 64, { batchFirst: true });
  const head = new nn.Linear(64, 10);
  const params = [...rnn.parameters(), ...head.parameters()];
  const opt = new optim.SGD(params, { lr: 0.05, momentum: 0.9 });
  const ce = new nn.CrossEntropyLoss();
  const x = L.randn([16, 20, 32]);
  const y = L.randint(0, 10, [16]);
  return {
    name: 'LSTM (batch 16, 20 steps, hidden 64, SGD momentum)',
    step: () => {
      opt.zeroGrad();
      const [out] = rnn.forward(x);
      const l = ce.forward(head.forward(out.select(1, 19)), y);
      l.backward();
      opt.step();
      return l;
    },
  };
}

function transformer(): Model {
  const layer = new nn.TransformerEncoderLayer(64, 4, {
    dimFeedforward: 256,
    batchFirst: true,
    activation: 'gelu',
  });
  const opt = new optim.AdamW(layer.parameters(), { lr: 1e-3 });
  const x = L.randn([8, 32, 64]);
  return {
    name: 'transformer encoder layer (batch 8, 32 tokens, d 64, GELU, AdamW)',
    step: () => {
      opt.zeroGrad();
      const l = layer.forward(x).square().mean();
      l.backward();
      opt.step();
      return l;
    },
  };
}

interface Measured {
  kernels: number;
  fusedOps: number;
  ms: number;
}

/**
 * Kernels of one profiled step, and the best of `steps` timed steps, with and without the
 * expression kernel. The two alternate step by step on the same model, so JIT warm-up and
 * the machine's load affect both alike.
 */
async function measure(m: Model, steps: number): Promise<{ on: Measured; off: Measured }> {
  const fused = backend.fused as Record<string, unknown>;
  const run = async (on: boolean) => {
    // Hide the kernel for this step only, putting back whatever was there (profile()'s wrapper).
    const current = fused.expression;
    if (!on) fused.expression = undefined;
    try {
      const loss = L.tidy(m.step);
      await loss.data();
      loss.dispose();
    } finally {
      fused.expression = current;
    }
  };
  for (let i = 0; i < 3; i++) {
    await run(true);
    await run(false);
  }
  const result = {
    on: { kernels: 0, fusedOps: 0, ms: Number.POSITIVE_INFINITY },
    off: { kernels: 0, fusedOps: 0, ms: Number.POSITIVE_INFINITY },
  };
  for (const on of [true, false]) {
    const { report } = await L.profile(() => run(on));
    const r = on ? result.on : result.off;
    r.kernels = report.kernels;
    r.fusedOps = report.fusedOps;
  }
  for (let i = 0; i < steps; i++) {
    for (const on of [true, false]) {
      const t0 = performance.now();
      await run(on);
      const r = on ? result.on : result.off;
      r.ms = Math.min(r.ms, performance.now() - t0);
    }
  }
  return result;
}

for (const make of [cnn, lstm, transformer]) {
  L.manualSeed(0);
  const m = make();
  const { on, off } = await measure(m, Number(values.steps));
  console.log(
    `${backend.name} ${m.name}: ${off.kernels} kernels, ${off.ms.toFixed(1)} ms without expressions; ` +
      `${on.kernels} kernels (${on.fusedOps} ops fused), ${on.ms.toFixed(1)} ms with`,
  );
}
await backend.destroy?.();
