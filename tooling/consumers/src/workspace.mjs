// The repository's published packages and their tarballs, shared by the consumer tests,
// the bundle-size script and `pnpm release`. Packages are found, not listed: every
// packages/* whose package.json is not private.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Every non-private package under packages/: { name, version, dir, pkg }. */
export function publishable() {
  const base = join(ROOT, 'packages');
  return readdirSync(base)
    .filter((d) => existsSync(join(base, d, 'package.json')))
    .map((d) => ({
      dir: join(base, d),
      pkg: JSON.parse(readFileSync(join(base, d, 'package.json'), 'utf8')),
    }))
    .filter(({ pkg }) => !pkg.private)
    .map(({ dir, pkg }) => ({ name: pkg.name, version: pkg.version, dir, pkg }));
}

/** `pnpm pack` of every published package into `out`; returns name -> tarball path. */
export function packAll(out) {
  mkdirSync(out, { recursive: true });
  const tarballs = {};
  for (const { name, dir } of publishable()) {
    // pnpm pack turns workspace:^ ranges into real ones, as publishing does.
    const printed = execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: dir, encoding: 'utf8' });
    const file = printed
      .trim()
      .split('\n')
      .map((l) => l.trim())
      .findLast((l) => l.endsWith('.tgz'));
    if (!file || !existsSync(file)) throw new Error(`pnpm pack of ${name} printed no tarball:\n${printed}`);
    tarballs[name] = file;
  }
  return tarballs;
}
