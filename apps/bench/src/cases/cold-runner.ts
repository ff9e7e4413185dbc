/**
 * Cold-start runner: every repetition is a fresh Node process (cold.js) that creates the
 * contender's backend and runs the first op; the child times itself from just before the
 * backend is created (process start and module loading excluded) and prints the milliseconds.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchSpec, Runner } from '../harness.js';

const script = fileURLToPath(new URL('../cold.js', import.meta.url));

export function coldRunner(contender: string, spec: Extract<BenchSpec, { kind: 'cold' }>): Runner {
  return {
    step: () =>
      new Promise<number>((resolve, reject) => {
        execFile(
          process.execPath,
          [script, contender, spec.what],
          { timeout: 120_000 },
          (err, stdout, stderr) => {
            if (err) return reject(new Error(`${contender} cold ${spec.what}: ${stderr || err.message}`));
            const ms = Number(stdout.trim().split('\n').pop());
            if (!Number.isFinite(ms))
              return reject(new Error(`${contender} cold ${spec.what}: bad output ${stdout}`));
            resolve(ms);
          },
        );
      }),
    dispose() {},
  };
}
