// Node 20 consumers of the packed tarballs: a CommonJS project that require()s them, an ES
// module project that imports them, TypeScript strict without skipLibCheck under each module
// resolution, and two copies of @layers/core meeting.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { TRAIN_BODY } from '../src/projects.mjs';
import { exec, results } from '../src/run.mjs';
import { expectTrained, type TrainResult } from './expect-trained.js';

const { projects } = inject('consumers');
const TSC = join(import.meta.dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc');
const CHECK_TS = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'ts', 'check.ts'), 'utf8');

const RUN_ALL = `
  for (const make of [() => createCpuBackend(), () => createWasmBackend({ threads: 2 })]) {
    const be = await make();
    console.log('RESULT ' + JSON.stringify(await train(core, be)));
    be.destroy?.();
  }`;

function trainedIn(out: string): TrainResult[] {
  const r = results(out) as TrainResult[];
  expect(r.map((x) => x.backend)).toEqual(['cpu', 'wasm']);
  return r;
}

describe('Node 20', () => {
  it('CommonJS: require() loads every package and trains on cpu and wasm', () => {
    writeFileSync(
      join(projects.cjs, 'train.js'),
      `const core = require('@layers/core');
const { createCpuBackend } = require('@layers/backend-cpu');
const { createWasmBackend } = require('@layers/backend-wasm');
${TRAIN_BODY}
(async () => {${RUN_ALL}
})().catch((e) => { console.error(e); process.exit(1); });
`,
    );
    const [cpu, wasm] = trainedIn(exec('node', ['train.js'], projects.cjs));
    expectTrained(cpu, 'cpu');
    expectTrained(wasm, 'wasm');
  });

  it('ES modules: import loads every package and trains on cpu and wasm', () => {
    writeFileSync(
      join(projects.esm, 'train.js'),
      `import * as core from '@layers/core';
import { createCpuBackend } from '@layers/backend-cpu';
import { createWasmBackend } from '@layers/backend-wasm';
${TRAIN_BODY}
${RUN_ALL}
`,
    );
    const [cpu, wasm] = trainedIn(exec('node', ['train.js'], projects.esm));
    expectTrained(cpu, 'cpu');
    expectTrained(wasm, 'wasm');
  });

  it('require() and import in one program share one @layers/core', () => {
    writeFileSync(
      join(projects.esm, 'mixed.js'),
      `import { createRequire } from 'node:module';
import * as imported from '@layers/core';
const required = createRequire(import.meta.url)('@layers/core');
console.log('RESULT ' + JSON.stringify({ same: required.Tensor === imported.Tensor, version: required.VERSION }));
`,
    );
    const [r] = results(exec('node', ['mixed.js'], projects.esm));
    expect(r).toEqual({
      same: true,
      version: JSON.parse(readFileSync(join(projects.esm, 'node_modules/@layers/core/package.json'), 'utf8'))
        .version,
    });
  });

  it('two copies of @layers/core: setBackend names both', () => {
    const dup = join(projects.cjs, 'dup', 'node_modules', '@layers');
    mkdirSync(dup, { recursive: true });
    cpSync(join(projects.cjs, 'node_modules', '@layers', 'core'), join(dup, 'core'), { recursive: true });
    writeFileSync(
      join(projects.cjs, 'two-cores.js'),
      `const core = require('@layers/core');
require('./dup/node_modules/@layers/core');
require('@layers/backend-cpu').createCpuBackend().then((be) => {
  try { core.setBackend(be); console.log('RESULT ' + JSON.stringify({ error: null })); }
  catch (e) { console.log('RESULT ' + JSON.stringify({ error: e.message })); }
});
`,
    );
    const [r] = results(exec('node', ['two-cores.js'], projects.cjs));
    expect(r.error).toMatch(
      /two copies of @layers\/core are loaded, \S+ \(file:\S+\/node_modules\/@layers\/core\/dist\/backend\/instances\.js\) and \S+ \(file:\S+\/dup\/node_modules\/@layers\/core\/dist\/backend\/instances\.js\)/,
    );
  });

  const resolutions = {
    node16: { module: 'node16', moduleResolution: 'node16' },
    nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
    bundler: { module: 'esnext', moduleResolution: 'bundler' },
  };
  describe.each(['cjs', 'esm'] as const)(
    'TypeScript strict, skipLibCheck false, in the %s project',
    (kind) => {
      it.each(Object.keys(resolutions))('%s resolution: no error, WebGPU types resolve', (res) => {
        const dir = join(projects[kind], `ts-${res}`);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'check.ts'), CHECK_TS);
        const compilerOptions = {
          ...resolutions[res as keyof typeof resolutions],
          target: 'es2022',
          lib: ['es2022', 'dom'],
          strict: true,
          skipLibCheck: false,
          types: [],
          outDir: 'out',
        };
        writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['check.ts'] }));
        exec('node', [TSC, '-p', 'tsconfig.json'], dir);
        // The CommonJS output of node16 runs: TypeScript's require() calls reach the packages.
        if (kind === 'cjs' && res === 'node16') {
          const out = exec(
            'node',
            ['-e', "require('./out/check.js').main().then((v) => console.log('RESULT ' + v))"],
            dir,
          );
          expect(results(out)).toEqual([6]);
        }
      });
    },
  );
});
