import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');

// The packages must work for a consumer outside the workspace: pack them as npm would publish
// them (workspace:* replaced by versions), install the tarballs into an empty project, then
// import and run them, and typecheck against their declarations.
describe('published packages', () => {
  it('install from tarballs, import, run and typecheck outside the workspace', () => {
    const tarballs = mkdtempSync(join(tmpdir(), 'layers-pack-'));
    for (const pkg of ['core', 'backend-cpu']) {
      execFileSync('pnpm', ['pack', '--pack-destination', tarballs], {
        cwd: join(root, 'packages', pkg),
        stdio: 'pipe',
      });
    }
    // Third-party runtime dependencies (core's fflate) are packed from the workspace's own
    // install too, so the offline install below needs nothing from the registry.
    for (const pkg of ['core', 'backend-cpu']) {
      const manifest = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8'));
      for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
        if (String(range).startsWith('workspace:')) continue;
        const dir = dirname(
          createRequire(join(root, 'packages', pkg, 'package.json')).resolve(`${dep}/package.json`),
        );
        execFileSync('npm', ['pack', dir, '--ignore-scripts', '--pack-destination', tarballs], {
          stdio: 'pipe',
        });
      }
    }
    const project = mkdtempSync(join(tmpdir(), 'layers-consumer-'));
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    const files = readdirSync(tarballs).map((f) => join(tarballs, f));
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', ...files], {
      cwd: project,
      stdio: 'pipe',
    });
    writeFileSync(
      join(project, 'index.mjs'),
      `import { nn, setBackend, tensor } from '@layers/core';
import { createCpuBackend } from '@layers/backend-cpu';
setBackend(await createCpuBackend());
const lin = new nn.Linear(3, 2);
const y = lin.forward(tensor([[1, 2, 3]]));
console.log(JSON.stringify({ keys: Object.keys(lin.stateDict()), shape: y.shape }));
`,
    );
    const out = JSON.parse(execFileSync('node', ['index.mjs'], { cwd: project, encoding: 'utf8' }));
    expect(out).toEqual({ keys: ['weight', 'bias'], shape: [1, 2] });
    writeFileSync(
      join(project, 'check.ts'),
      `import { nn, type Tensor } from '@layers/core';
const m: nn.Module = new nn.Conv2d(3, 16, 3, { stride: 2 });
export const f = (t: Tensor): Tensor => m.forward(t);
`,
    );
    const tsc = join(root, 'node_modules', '.bin', 'tsc');
    const args = [
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
    ];
    args.push(
      '--lib',
      'es2022,dom,esnext.disposable',
      '--types',
      'node',
      '--typeRoots',
      join(root, 'node_modules', '@types'),
    );
    execFileSync(tsc, [...args, 'check.ts'], { cwd: project, stdio: 'pipe' });
  }, 120_000);
});
