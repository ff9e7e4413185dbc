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
    expect(() => parseArgs(['--lr'])).toThrow(/--lr needs a value/);
  });
});
