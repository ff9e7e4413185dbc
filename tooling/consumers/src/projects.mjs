// Fresh consumer projects outside the repository (so nothing resolves to the workspace's own
// node_modules), with the packed tarballs installed by npm as a user would install them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packAll } from './workspace.mjs';

/** Published packages an application does not install. */
const TOOLS = ['@layers/conformance'];

/** The training run, as text (fixtures/train-body.js): prepended with each consumer's loader. */
export const TRAIN_BODY = readFileSync(new URL('../fixtures/train-body.js', import.meta.url), 'utf8');

/**
 * Packs every package and makes two projects in `work`: `cjs` (what `npm init -y` writes: no
 * "type", so CommonJS) and `esm` ("type": "module"). Returns their paths and the tarballs.
 */
export function prepareProjects(work) {
  const tarballs = packAll(join(work, 'tarballs'));
  // What an application installs: not the conformance suite, a tool for backend authors whose
  // vitest peer would double the install.
  const installed = Object.entries(tarballs)
    .filter(([name]) => !TOOLS.includes(name))
    .map(([, file]) => file);
  const projects = {};
  for (const kind of ['cjs', 'esm']) {
    const dir = join(work, kind);
    mkdirSync(dir, { recursive: true });
    const pkg = { name: `layers-${kind}-consumer`, version: '1.0.0', private: true, license: 'ISC' };
    if (kind === 'esm') pkg.type = 'module';
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    execFileSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--loglevel=error', '--no-save', ...installed],
      { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    projects[kind] = dir;
  }
  return { tarballs, projects };
}
