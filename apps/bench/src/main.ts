/**
 * pnpm bench [--only cpu|wasm|webgpu] [--cases lstm,matmul-512] [--quick]
 *
 * Loads every contender file of the selected families from cases/ (a file that does not exist
 * yet, because that backend is not written, is reported and skipped), runs the benchmark list
 * and prints one side-by-side table per family.
 */
import { parseArgs as parseFlags } from 'node:util';
import {
  type BenchSpec,
  type Contender,
  type Family,
  formatTable,
  type MeasureOptions,
  runFamily,
} from './harness.js';

const FAMILIES: Record<Family, readonly string[]> = {
  cpu: ['layers-cpu', 'tfjs-cpu'],
  wasm: ['layers-wasm', 'jaxjs-wasm', 'tfjs-wasm', 'ort-wasm'],
  webgpu: ['layers-webgpu', 'jaxjs-webgpu', 'tfjs-webgpu'],
};

interface Args {
  only: Family[];
  /** Substrings of case ids to run (all when empty). */
  cases: string[];
  quick: boolean;
}

const USAGE = 'usage: pnpm bench [--only cpu|wasm|webgpu] [--cases id,...] [--quick]';

function parseArgs(argv: readonly string[]): Args {
  const { values } = parseFlags({
    // pnpm forwards the `--` between its flags and ours; it must not end option parsing.
    args: argv.filter((a) => a !== '--'),
    strict: true,
    options: {
      only: { type: 'string' },
      cases: { type: 'string' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  let only: Family[] = ['cpu', 'wasm', 'webgpu'];
  if (values.only !== undefined) {
    const list = values.only.split(',') as Family[];
    for (const f of list) {
      if (!(f in FAMILIES)) throw new Error(`--only expects cpu, wasm or webgpu (got '${f}')`);
    }
    only = list;
  }
  const cases = (values.cases ?? '').split(',').filter((c) => c.length > 0);
  return { only, cases, quick: values.quick };
}

function specsFor(quick: boolean, family: Family): BenchSpec[] {
  const sizes = quick ? [256, 512] : [256, 512, 1024];
  // GPUs finish these in well under the readback latency: 10 ops per readback there.
  const repeat = family === 'webgpu' ? 10 : undefined;
  const specs: BenchSpec[] = [
    ...sizes.map((n): BenchSpec => ({ kind: 'matmul', id: `matmul-${n}`, n, repeat })),
    { kind: 'conv2d', id: 'conv2d-b8-32-64-32-k3', batch: 8, cin: 32, cout: 64, size: 32, k: 3, repeat },
    { kind: 'mlp-train', id: 'mlp-784-256-10-b64', batch: 64, sizes: [784, 256, 10] },
  ];
  if (family !== 'cpu') {
    specs.push(
      { kind: 'conv2d', id: 'conv2d-b64-8-16-14-k3', batch: 64, cin: 8, cout: 16, size: 14, k: 3, repeat },
      { kind: 'cnn', id: 'cnn-forward', mode: 'forward' },
      // The digit CNN's epoch is 94 steps (6,000 images); --quick and exploration use fewer.
      {
        kind: 'cnn',
        id: 'cnn-train',
        mode: 'train',
        steps: quick ? 10 : Number(process.env.LAYERS_BENCH_CNN_STEPS ?? 94),
      },
      { kind: 'cold', id: 'cold-matmul', what: 'matmul' },
      { kind: 'cold', id: 'cold-cnn', what: 'cnn' },
    );
  }
  // Layer-level inference cases, so far written for the wasm peers (tfjs-wasm, onnxruntime-web).
  if (family === 'wasm') {
    specs.push(
      { kind: 'lstm', id: 'lstm-s32-b16-64-128', seq: 32, batch: 16, input: 64, hidden: 128 },
      {
        kind: 'encoder',
        id: 'encoder-b8-s64-d128-h4-ff256',
        batch: 8,
        seq: 64,
        dModel: 128,
        heads: 4,
        ff: 256,
      },
    );
  }
  return specs;
}

async function loadContender(name: string): Promise<Contender | string> {
  // A computed specifier: TypeScript must not require files other engineers have not written yet.
  const url = new URL(`./cases/${name}.js`, import.meta.url).href;
  try {
    const mod = (await import(url)) as { default: () => Contender };
    return mod.default();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(`${name}.js`)) {
      return `${name}: not written yet`;
    }
    return `${name}: failed to load (${err.message.split('\n')[0]})`;
  }
}

async function main(): Promise<void> {
  const { only, cases, quick } = parseArgs(process.argv.slice(2));
  const opts: MeasureOptions = quick
    ? { warmup: 1, warmupSeconds: 1, reps: 5, maxSeconds: 2 }
    : { warmup: 2, warmupSeconds: 2, reps: 15, maxSeconds: 6 };
  console.log(
    `layers bench (${quick ? 'quick' : 'full'}), node ${process.version}, median of up to ${opts.reps} reps`,
  );
  for (const family of only) {
    console.log(`\n== ${family} ==`);
    const contenders: Contender[] = [];
    for (const name of FAMILIES[family]) {
      const c = await loadContender(name);
      if (typeof c === 'string') console.log(`  skipped ${c}`);
      else contenders.push(c);
    }
    if (contenders.length === 0) continue;
    const specs = specsFor(quick, family).filter(
      (s) => cases.length === 0 || cases.some((c) => s.id.includes(c)),
    );
    const results = await runFamily(contenders, specs, opts);
    console.log(`\n${formatTable(results, specs)}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
