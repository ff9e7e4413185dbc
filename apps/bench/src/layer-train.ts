/**
 * pnpm --filter @layers/bench layer-train [--against DIR] [--steps 20] [--reps 5] [--threads 1]
 *
 * Training steps of an LSTM (seq 32, batch 16, 64 -> 128) and of a transformer encoder layer
 * (batch 8, seq 64, d 128, 4 heads, ff 256, no dropout) on layers-wasm: forward, loss =
 * mean of the squared output, backward, Adam 1e-3, the loss read back every step. Each
 * measurement is a child process that warms up, times `steps` steps and prints its median
 * wall and CPU ms per step. With --against DIR (another built checkout of this repository,
 * e.g. a scratch worktree at an older commit) the two checkouts alternate within every rep
 * (the first rotates), so a change in the machine's load hits both alike, and the ratios
 * this / that are printed. Both checkouts run this file's child code against their own
 * packages/core and packages/backend-wasm dist, so it uses only API both have.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    against: { type: 'string' },
    steps: { type: 'string', default: '20' },
    reps: { type: 'string', default: '5' },
    threads: { type: 'string', default: '1' },
    child: { type: 'string' },
    root: { type: 'string' },
  },
});
const CASES = ['lstm-s32-b16-64-128', 'encoder-b8-s64-d128-h4-ff256'] as const;
type CaseId = (typeof CASES)[number];

interface Timing {
  wallMs: number;
  cpuMs: number;
}

const median = (a: readonly number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];

/** One case in this process, on the checkout at `root`. */
async function child(id: CaseId, root: string): Promise<Timing> {
  const L = (await import(
    pathToFileURL(resolve(root, 'packages/core/dist/index.js')).href
  )) as typeof import('@layers/core');
  const W = (await import(
    pathToFileURL(resolve(root, 'packages/backend-wasm/dist/index.js')).href
  )) as typeof import('@layers/backend-wasm');
  L.setBackend(await W.createWasmBackend({ threads: Number(values.threads) }));
  L.manualSeed(0);
  let module: InstanceType<typeof L.nn.Module>;
  let x: InstanceType<typeof L.Tensor>;
  let forward: () => InstanceType<typeof L.Tensor>;
  if (id.startsWith('lstm')) {
    const lstm = new L.nn.LSTM(64, 128);
    x = L.rand([32, 16, 64]);
    forward = () => lstm.forward(x)[0];
    module = lstm;
  } else {
    const layer = new L.nn.TransformerEncoderLayer(128, 4, {
      dimFeedforward: 256,
      dropout: 0,
      batchFirst: true,
    });
    x = L.rand([8, 64, 128]);
    forward = () => layer.forward(x);
    module = layer;
  }
  const opt = new L.optim.Adam(module.parameters(), { lr: 1e-3 });
  const step = async () => {
    const loss = L.tidy(() => {
      opt.zeroGrad();
      const y = forward();
      const l = y.mul(y).mean();
      l.backward();
      opt.step();
      return l;
    });
    await loss.item();
    loss.dispose();
  };
  for (let i = 0; i < 3; i++) await step();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < Number(values.steps); i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await step();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

const run = promisify(execFile);

async function measure(id: CaseId, root: string): Promise<Timing> {
  const args = [fileURLToPath(import.meta.url), '--child', id, '--root', root];
  args.push('--steps', values.steps, '--threads', values.threads);
  const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as Timing;
}

async function main(): Promise<void> {
  if (values.child) {
    console.log(JSON.stringify(await child(values.child as CaseId, values.root ?? '.')));
    process.exit(0);
  }
  const here = fileURLToPath(new URL('../../..', import.meta.url));
  const roots = [{ name: 'this checkout', root: here }];
  if (values.against) roots.push({ name: values.against, root: resolve(values.against) });
  console.log(
    `layers-wasm training steps, ${values.threads} thread(s), ${values.steps} timed steps a run, ${values.reps} reps, median ms per step`,
  );
  const got = new Map<string, Timing[]>();
  const reps = Number(values.reps);
  for (let rep = 0; rep < reps; rep++) {
    for (let i = 0; i < roots.length; i++) {
      const r = roots[(rep + i) % roots.length];
      for (const id of CASES) {
        const t = await measure(id, r.root);
        const key = `${id}|${r.name}`;
        got.set(key, [...(got.get(key) ?? []), t]);
        console.log(
          `  rep ${rep + 1} ${id} (${r.name}): ${t.wallMs.toFixed(2)} ms wall, ${t.cpuMs.toFixed(2)} ms CPU`,
        );
      }
    }
  }
  console.log('');
  for (const id of CASES) {
    const m = roots.map((r) => {
      const list = got.get(`${id}|${r.name}`) ?? [];
      return { wall: median(list.map((t) => t.wallMs)), cpu: median(list.map((t) => t.cpuMs)) };
    });
    const line = roots
      .map((r, i) => `${r.name}: ${m[i].wall.toFixed(2)} wall / ${m[i].cpu.toFixed(2)} CPU`)
      .join('; ');
    const ratio =
      m.length === 2
        ? `; this / that ${(m[0].wall / m[1].wall).toFixed(2)} wall, ${(m[0].cpu / m[1].cpu).toFixed(2)} CPU`
        : '';
    console.log(`${id}: ${line}${ratio}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
