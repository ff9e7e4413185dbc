// Bun and Deno (both installed from npm as devDependencies) run the ES module project's
// training on cpu and wasm, and Deno without read permission says so.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { TRAIN_BODY } from '../src/projects.mjs';
import { exec, results } from '../src/run.mjs';
import { expectTrained, type TrainResult } from './expect-trained.js';

const { projects } = inject('consumers');
const bin = (name: string) => join(import.meta.dirname, '..', 'node_modules', '.bin', name);
const NO_COLOR = { NO_COLOR: '1' };

describe('Bun and Deno', () => {
  writeFileSync(
    join(projects.esm, 'runtimes.js'),
    `import * as core from '@layers/core';
import { createCpuBackend } from '@layers/backend-cpu';
import { createWasmBackend } from '@layers/backend-wasm';
${TRAIN_BODY}
for (const make of [() => createCpuBackend(), () => createWasmBackend({ threads: 2 })]) {
  try {
    const be = await make();
    console.log('RESULT ' + JSON.stringify(await train(core, be)));
    be.destroy?.();
  } catch (e) {
    console.log('RESULT ' + JSON.stringify({ error: e.message }));
  }
}
`,
  );

  const trained = (out: string) => {
    const [cpu, wasm] = results(out) as TrainResult[];
    expectTrained(cpu, 'cpu');
    expectTrained(wasm, 'wasm');
  };

  it('Bun trains on cpu and wasm', () => {
    trained(exec(bin('bun'), ['runtimes.js'], projects.esm, NO_COLOR));
  });

  it('Deno (--allow-read) trains on cpu and wasm', () => {
    trained(exec(bin('deno'), ['run', '--allow-read', 'runtimes.js'], projects.esm, NO_COLOR));
  });

  it('Deno without read permission: the error names the permission, not a missing build', () => {
    const [cpu, wasm] = results(exec(bin('deno'), ['run', 'runtimes.js'], projects.esm, NO_COLOR));
    expectTrained(cpu as TrainResult, 'cpu');
    expect(wasm.error).toMatch(
      /cannot read file:\S+kernels\.wasm \(.*--allow-read.*\); reading it was denied: grant read access \(Deno: --allow-read/,
    );
    expect(wasm.error).not.toMatch(/pnpm build/);
  });
});
