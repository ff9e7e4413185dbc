/**
 * pnpm --filter @layers/bench cnn-epoch [--steps 94] [--reps 5] [--threads 1,2] [--torch 0|1]
 *   [--torch-threads 1]
 *   [--busy 0|1] [--nice 19]
 * pnpm --filter @layers/bench busy   (the same with --busy 1: the competing-load check)
 *
 * The digit CNN's training epoch (cnn-model.ts; batch 64, Adam 1e-3, cross-entropy, the loss
 * read back every step, 94 steps = 6,000 images) on layers-wasm with each thread count and on
 * PyTorch (a /usr/bin/python3 subprocess with torch, torch/cnn_epoch.py, the same model, data
 * and readback rule; skipped where torch is missing), in one process, the contenders
 * alternating within every rep (the first of each rep rotates) so that a change in the
 * machine's load hits all of them alike. Prints per contender the median wall and process-CPU
 * ms per epoch (CPU: this process and its worker threads, or the Python process), and the
 * ratios the issue asks for (each wasm thread count against PyTorch on 1 thread, the issue's
 * bar; --torch-threads 1,2 adds PyTorch on 2, whose OpenMP threads spin and lose badly when
 * the machine is loaded). --torch 0 leaves PyTorch out.
 *
 * --busy 1 starts one CPU-bound child (`nice -n 19`, a busy loop: one core's worth of
 * competing work) before the first rep and stops it after the last, so the 2-thread run has
 * a taken core; it prints the 2-thread / 1-thread wall ratio (<= 1 is the goal).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createWasmBackend } from '@layers/backend-wasm';
import * as core from '@layers/core';
import { digitCnn } from './cnn-model.js';
import { benchData } from './harness.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    steps: { type: 'string', default: '94' },
    reps: { type: 'string', default: '5' },
    threads: { type: 'string', default: '1,2' },
    torch: { type: 'string', default: '1' },
    'torch-threads': { type: 'string', default: '1' },
    busy: { type: 'string', default: '0' },
    nice: { type: 'string', default: '19' },
  },
});
const STEPS = Number(values.steps);
const REPS = Number(values.reps);
const PYTHON = '/usr/bin/python3';

interface Epoch {
  wallMs: number;
  cpuMs: number;
}

interface Contender {
  name: string;
  epoch(): Promise<Epoch>;
  close(): Promise<void>;
}

async function wasmContender(threads: number): Promise<Contender> {
  const backend = await createWasmBackend({ threads });
  core.setBackend(backend);
  core.manualSeed(0);
  const model = digitCnn();
  const x = core.fromTypedArray(benchData(64 * 784, 40), [64, 1, 28, 28], backend);
  const y = core.fromTypedArray(
    Int32Array.from({ length: 64 }, (_, i) => i % 10),
    [64],
    backend,
  );
  const ce = new core.nn.CrossEntropyLoss();
  const opt = new core.optim.Adam(model.parameters(), { lr: 1e-3 });
  const step = async () => {
    const loss = core.tidy(() => {
      opt.zeroGrad();
      const l = ce.forward(model.forward(x), y);
      l.backward();
      opt.step();
      return l;
    });
    await loss.item();
    loss.dispose();
  };
  await step();
  return {
    name: `layers-wasm-${threads}t (${backend.info.simd})`,
    async epoch() {
      core.setBackend(backend);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let s = 0; s < STEPS; s++) await step();
      const wallMs = performance.now() - t0;
      const c = process.cpuUsage(c0);
      return { wallMs, cpuMs: (c.user + c.system) / 1000 };
    },
    async close() {
      x.dispose();
      y.dispose();
      for (const p of model.parameters()) p.dispose();
      await backend.destroy?.();
    },
  };
}

async function torchContender(threads: number): Promise<Contender | string> {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const script = fileURLToPath(new URL('../torch/cnn_epoch.py', import.meta.url));
  const child = spawn(PYTHON, [script, String(threads)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await lines.next();
    if (r.done) throw new Error(`torch subprocess ended: ${stderr.trim().split('\n').pop()}`);
    return r.value;
  };
  try {
    if ((await next()) !== 'ready') throw new Error('torch subprocess did not start');
  } catch (e) {
    child.kill();
    return (e as Error).message;
  }
  return {
    name: `pytorch-${threads}t`,
    async epoch() {
      child.stdin.write(`epoch ${STEPS}\n`);
      const r = JSON.parse(await next()) as { wall_ms: number; cpu_ms: number; error?: string };
      if (r.error) throw new Error(r.error);
      return { wallMs: r.wall_ms, cpuMs: r.cpu_ms };
    },
    async close() {
      child.stdin.end();
      await once(child, 'exit');
    },
  };
}

/** One core's worth of competing work, at the lowest priority. */
function startLoad(nice: number): ChildProcess {
  const child = spawn('nice', ['-n', String(nice), process.execPath, '-e', 'for (;;) {}'], {
    stdio: 'ignore',
  });
  const stop = () => child.kill('SIGKILL');
  process.once('exit', stop);
  process.once('SIGINT', () => {
    stop();
    process.exit(130);
  });
  return child;
}

const median = (a: readonly number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];

async function main(): Promise<void> {
  const threadCounts = values.threads.split(',').map(Number);
  const contenders: Contender[] = [];
  for (const t of threadCounts) contenders.push(await wasmContender(t));
  if (values.torch === '1') {
    for (const t of values['torch-threads'].split(',').map(Number)) {
      const c = await torchContender(t);
      if (typeof c === 'string') console.log(`skipped pytorch-${t}t: ${c}`);
      else contenders.push(c);
    }
  }
  const busy = values.busy === '1';
  const load = busy ? startLoad(Number(values.nice)) : null;
  console.log(
    `cnn epoch: ${STEPS} steps, ${REPS} reps, node ${process.version}` +
      (busy ? `, competing load: 1 busy child at nice ${values.nice}` : ''),
  );
  const runs = new Map<string, Epoch[]>(contenders.map((c) => [c.name, []]));
  for (let rep = 0; rep < REPS; rep++) {
    for (let i = 0; i < contenders.length; i++) {
      const c = contenders[(rep + i) % contenders.length];
      const e = await c.epoch();
      runs.get(c.name)?.push(e);
      console.log(`  rep ${rep + 1} ${c.name}: ${e.wallMs.toFixed(0)} ms wall, ${e.cpuMs.toFixed(0)} ms CPU`);
    }
  }
  load?.kill('SIGKILL');
  for (const c of contenders) await c.close();

  const wall = new Map<string, number>();
  const cpu = new Map<string, number>();
  console.log(`\n${'contender'.padEnd(34)}${'wall ms'.padStart(10)}${'CPU ms'.padStart(10)}`);
  for (const [name, list] of runs) {
    wall.set(name, median(list.map((e) => e.wallMs)));
    cpu.set(name, median(list.map((e) => e.cpuMs)));
    console.log(
      `${name.padEnd(34)}${wall.get(name)?.toFixed(0).padStart(10)}${cpu.get(name)?.toFixed(0).padStart(10)}`,
    );
  }
  const find = (prefix: string) => [...runs.keys()].find((n) => n.startsWith(prefix));
  const ratio = (a: string | undefined, b: string | undefined, m: Map<string, number>) =>
    a && b ? ((m.get(a) ?? Number.NaN) / (m.get(b) ?? Number.NaN)).toFixed(2) : 'n/a';
  const torch1 = find('pytorch-1t');
  for (const t of threadCounts) {
    const w = find(`layers-wasm-${t}t`);
    if (torch1) {
      console.log(
        `layers-wasm-${t}t / pytorch-1t: ${ratio(w, torch1, wall)} wall, ${ratio(w, torch1, cpu)} CPU`,
      );
    }
    const tt = find(`pytorch-${t}t`);
    if (t !== 1 && tt) console.log(`layers-wasm-${t}t / pytorch-${t}t: ${ratio(w, tt, wall)} wall`);
  }
  const w1 = find('layers-wasm-1t');
  const w2 = find('layers-wasm-2t');
  if (w1 && w2) {
    console.log(
      `layers-wasm 2t / 1t wall: ${ratio(w2, w1, wall)}${busy ? ' (with the competing load; <= 1 is the goal)' : ''}`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
