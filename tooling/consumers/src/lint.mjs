// publint and arethetypeswrong on one packed tarball. Both run from their command lines
// (the way a maintainer reproduces a report); each returns its problems as text lines.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', '.bin');

function run(tool, args) {
  const r = spawnSync(join(bin, tool), args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** publint at its strictest level: suggestions count too. Empty when it has nothing to say. */
export function publint(tarball) {
  const { code, out } = run('publint', ['run', tarball, '--level', 'suggestion', '--strict']);
  return code === 0 && /All good!/.test(out) ? [] : [out.trim()];
}

/**
 * arethetypeswrong, strict profile (node10, node16 CJS and ESM, bundler). The .wasm subpaths
 * of backend-wasm are assets (for `?url` imports), not modules, so they have no types.
 */
export function attw(tarball) {
  const args = [tarball, '--format', 'json', '--profile', 'strict'];
  if (/backend-wasm/.test(tarball))
    args.push(
      '--exclude-entrypoints',
      './kernels.wasm',
      './kernels-st.wasm',
      './kernels-relaxed.wasm',
      './kernels-relaxed-st.wasm',
    );
  // attw exits before a pipe drains (its JSON is cut at 64 KB): it writes to a file instead.
  const dir = mkdtempSync(join(tmpdir(), 'layers-attw-'));
  try {
    const file = join(dir, 'report.json');
    const r = spawnSync(join(bin, 'attw'), args, {
      stdio: ['ignore', openSync(file, 'w'), 'pipe'],
      encoding: 'utf8',
    });
    const report = JSON.parse(readFileSync(file, 'utf8'));
    if (!report.analysis?.entrypoints) throw new Error(`attw gave no analysis for ${tarball}: ${r.stderr}`);
    const problems = Object.values(report.problems ?? {}).flat();
    if (r.status !== 0 && problems.length === 0) throw new Error(`attw failed on ${tarball}: ${r.stderr}`);
    return problems.map((p) => JSON.stringify(p));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
