/** Command-line flags of the main job. Errors are one line, for people, not stack traces. */
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

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} expects a positive integer, got "${v}"`);
  return n;
}

export function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    backend: 'auto',
    epochs: 5,
    batchSize: 64,
    lr: 0.002,
    seed: 0,
    weights: 'out/mnist-cnn.safetensors',
    predict: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    if (raw === '--') continue;
    const [flag, inline] = raw.includes('=')
      ? [raw.slice(0, raw.indexOf('=')), raw.slice(raw.indexOf('=') + 1)]
      : [raw, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--backend': {
        const v = value();
        if (v !== 'cpu' && v !== 'wasm' && v !== 'webgpu') {
          throw new UsageError(`--backend must be one of cpu, wasm, webgpu; got "${v}"`);
        }
        args.backend = v;
        break;
      }
      case '--epochs':
        args.epochs = positiveInt(flag, value());
        break;
      case '--batch-size':
        args.batchSize = positiveInt(flag, value());
        break;
      case '--lr': {
        const v = value();
        const n = Number(v);
        if (!(n > 0) || !Number.isFinite(n))
          throw new UsageError(`--lr expects a positive number, got "${v}"`);
        args.lr = n;
        break;
      }
      case '--seed': {
        const v = value();
        const n = Number(v);
        if (!Number.isSafeInteger(n) || n < 0)
          throw new UsageError(`--seed expects a non-negative integer, got "${v}"`);
        args.seed = n;
        break;
      }
      case '--weights':
        args.weights = value();
        break;
      case '--predict':
        args.predict = true;
        break;
      case '--help':
      case '-h':
        args.help = true;
        break;
      default:
        throw new UsageError(`unknown option "${raw}" (see --help)`);
    }
  }
  return args;
}
