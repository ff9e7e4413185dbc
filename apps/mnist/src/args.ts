/** Command-line flags of the main job. Errors are one line, for people, not stack traces. */
import { parseArgs as parseFlags } from 'node:util';

export type BackendName = 'cpu' | 'wasm' | 'webgpu';

export interface Args {
  backend: BackendName | 'auto';
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  weights: string;
  predict: boolean;
  help: boolean;
}

export class UsageError extends Error {}

export const USAGE = `Usage: pnpm start [-- options]
  --backend cpu|wasm|webgpu   backend to train on (default: the fastest available)
  --epochs N                  passes over the training set (default 5)
  --batch-size N              samples per step (default 64)
  --lr X                      Adam learning rate (default 0.002)
  --seed N                    seed for initialisation, shuffling and dropout (default 0)
  --weights PATH              where to save / load weights (default out/mnist-cnn.safetensors)
  --predict                   load the weights and evaluate them instead of training
  --help                      show this help`;

const OPTIONS = {
  backend: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  seed: { type: 'string' },
  weights: { type: 'string', default: 'out/mnist-cnn.safetensors' },
  predict: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} expects a positive integer, got "${v}"`);
  return n;
}

/** node:util's messages are long and suggest `--` tricks; ours name the flag in one line. */
function usageError(e: unknown): UsageError {
  const err = e as NodeJS.ErrnoException;
  const quoted = /'([^' <]+)/.exec(err.message)?.[1] ?? '';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unknown option "${quoted}" (see --help)`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return new UsageError(
        /does not take an argument/.test(err.message)
          ? `${quoted} takes no value`
          : `${quoted} needs a value`,
      );
    default:
      return new UsageError(err.message);
  }
}

function readFlags(argv: readonly string[]) {
  try {
    // pnpm forwards the `--` that separates its own flags from ours: drop it rather than
    // let it end option parsing.
    return parseFlags({ args: argv.filter((a) => a !== '--'), options: OPTIONS, strict: true }).values;
  } catch (e) {
    throw usageError(e);
  }
}

export function parseArgs(argv: readonly string[]): Args {
  const values = readFlags(argv);
  const args: Args = {
    backend: 'auto',
    epochs: 5,
    batchSize: 64,
    lr: 0.002,
    seed: 0,
    weights: values.weights,
    predict: values.predict,
    help: values.help,
  };
  if (values.backend !== undefined) {
    const v = values.backend;
    if (v !== 'cpu' && v !== 'wasm' && v !== 'webgpu') {
      throw new UsageError(`--backend must be one of cpu, wasm, webgpu; got "${v}"`);
    }
    args.backend = v;
  }
  if (values.epochs !== undefined) args.epochs = positiveInt('--epochs', values.epochs);
  if (values['batch-size'] !== undefined) args.batchSize = positiveInt('--batch-size', values['batch-size']);
  if (values.lr !== undefined) {
    const n = Number(values.lr);
    if (!(n > 0) || !Number.isFinite(n))
      throw new UsageError(`--lr expects a positive number, got "${values.lr}"`);
    args.lr = n;
  }
  if (values.seed !== undefined) {
    const n = Number(values.seed);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new UsageError(`--seed expects a non-negative integer, got "${values.seed}"`);
    args.seed = n;
  }
  return args;
}
