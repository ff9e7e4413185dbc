import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const main = resolve(import.meta.dirname, '../dist/main.js');

function accuracyOf(output: string): number {
  const m = /test accuracy (\d+\.\d+)%\s*$/m.exec(
    output
      .trim()
      .split('\n')
      .find((l) => l.includes('test accuracy') && !l.startsWith('epoch')) ?? '',
  );
  if (!m) throw new Error(`no final accuracy in:\n${output}`);
  return Number(m[1]) / 100;
}

// The README's main job, run as a user runs it (the built CLI, default settings), on the
// WebAssembly backend: it must reach 97% test accuracy, save weights, and --predict on those
// weights must report the same accuracy.
describe('the main job', () => {
  it('trains to at least 97% test accuracy and --predict agrees', () => {
    const weights = join(mkdtempSync(join(tmpdir(), 'layers-mnist-')), 'cnn.safetensors');
    const run = (args: string[]) =>
      execFileSync('node', [main, '--backend', 'wasm', '--weights', weights, ...args], {
        encoding: 'utf8',
        env: { ...process.env, INIT_CWD: '' },
      });
    const trained = accuracyOf(run([]));
    expect(trained).toBeGreaterThanOrEqual(0.97);
    expect(existsSync(weights)).toBe(true);
    expect(accuracyOf(run(['--predict']))).toBe(trained);
  }, 600_000);
});
