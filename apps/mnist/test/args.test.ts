import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../src/args.js';

describe('mnist CLI flags', () => {
  it('has defaults and reads every flag', () => {
    expect(parseArgs([])).toMatchObject({ backend: 'auto', epochs: 5, batchSize: 64, predict: false });
    const a = parseArgs([
      '--backend',
      'cpu',
      '--epochs=2',
      '--batch-size',
      '32',
      '--lr',
      '0.01',
      '--seed',
      '7',
      '--predict',
    ]);
    expect(a).toMatchObject({ backend: 'cpu', epochs: 2, batchSize: 32, lr: 0.01, seed: 7, predict: true });
  });

  it('rejects bad flags with one-line messages', () => {
    expect(() => parseArgs(['--backend', 'tpu'])).toThrow(
      new UsageError('--backend must be one of cpu, wasm, webgpu; got "tpu"'),
    );
    expect(() => parseArgs(['--epochs', '0'])).toThrow(/--epochs expects a positive integer/);
    expect(() => parseArgs(['--frobnicate'])).toThrow(/unknown option "--frobnicate"/);
    expect(() => parseArgs(['--lr'])).toThrow(new UsageError('--lr needs a value'));
    expect(() => parseArgs(['--lr', '--epochs', '2'])).toThrow(new UsageError('--lr needs a value'));
    expect(() => parseArgs(['--predict=yes'])).toThrow(new UsageError('--predict takes no value'));
    expect(() => parseArgs(['extra'])).toThrow(new UsageError('unknown option "extra" (see --help)'));
    expect(() => parseArgs(['--seed', '-1'])).toThrow(/--seed needs a value/);
    expect(() => parseArgs(['--seed=-1'])).toThrow(/--seed expects a non-negative integer, got "-1"/);
  });

  it('skips the `--` pnpm forwards, reads --help, -h and --weights', () => {
    expect(parseArgs(['--', '--epochs', '3'])).toMatchObject({ epochs: 3 });
    expect(parseArgs(['--help']).help).toBe(true);
    expect(parseArgs(['-h']).help).toBe(true);
    expect(parseArgs([]).weights).toBe('out/mnist-cnn.safetensors');
    expect(parseArgs(['--weights', 'w.safetensors']).weights).toBe('w.safetensors');
  });
});
