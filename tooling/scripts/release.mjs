// `pnpm release`: versions (changesets), builds, checks and publishes every package with npm
// provenance. `pnpm release --dry-run` does all of it without changing the checkout or
// publishing: the versioning runs in a scratch git worktree, the publish with --dry-run.
// The procedure around it is in RELEASING.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attw, publint } from '../consumers/src/lint.mjs';
import { packAll, publishable, ROOT } from '../consumers/src/workspace.mjs';

const dryRun = process.argv.includes('--dry-run');
const CHANGESET = join(ROOT, 'node_modules', '.bin', 'changeset');

function step(title) {
  console.log(`\n== release${dryRun ? ' (dry run)' : ''}: ${title}`);
}

function sh(cmd, args, opts = {}) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
}

function git(args, cwd = ROOT) {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

/** core's VERSION constant follows its package.json (a core test checks they agree). */
function syncCoreVersion(root) {
  const { version } = JSON.parse(readFileSync(join(root, 'packages/core/package.json'), 'utf8'));
  const file = join(root, 'packages/core/src/version.ts');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/VERSION = '[^']*'/, `VERSION = '${version}'`));
  return version;
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19))
  throw new Error(`release: Node >= 20.19 needed, this is ${process.version}`);
const isGit = spawnSync('git', ['rev-parse', '--git-dir'], { cwd: ROOT, stdio: 'ignore' }).status === 0;
if (!isGit) throw new Error('release: run from a git clone of the repository');

step('pending changesets');
try {
  sh(CHANGESET, ['status', '--verbose']);
} catch (e) {
  // A clone without the base branch (CI checking out one commit) cannot diff against it.
  if (!dryRun) throw e;
  console.log(
    `(${e.message}: no ${JSON.parse(readFileSync(join(ROOT, '.changeset/config.json'), 'utf8')).baseBranch} branch here? listing the changesets only)`,
  );
  sh(CHANGESET, ['status', '--verbose', '--since=HEAD']);
}

if (dryRun) {
  step('version bump, in a scratch worktree (this checkout is left as it is)');
  const scratch = mkdtempSync(join(tmpdir(), 'layers-release-'));
  try {
    git(['worktree', 'add', '--detach', scratch, 'HEAD']);
    // Working-tree changes (e.g. new changesets not yet committed) travel with the dry run.
    const diff = execFileSync('git', ['diff', 'HEAD', '--binary'], { cwd: ROOT });
    if (diff.length) execFileSync('git', ['apply', '--allow-empty'], { cwd: scratch, input: diff });
    sh(CHANGESET, ['version'], { cwd: scratch });
    console.log(
      `core would be ${syncCoreVersion(scratch)}; changed files:\n${git(['status', '--short'], scratch)}`,
    );
  } finally {
    spawnSync('git', ['worktree', 'remove', '--force', scratch], { cwd: ROOT, stdio: 'ignore' });
    rmSync(scratch, { recursive: true, force: true });
  }
} else {
  if (git(['status', '--porcelain'])) throw new Error('release: the working tree has uncommitted changes');
  step('version bump');
  sh(CHANGESET, ['version']);
  syncCoreVersion(ROOT);
  sh('pnpm', ['install', '--lockfile-only']);
}

step('build');
sh('pnpm', ['build']);

step('packaging checks (publint, arethetypeswrong) on every tarball');
const packed = mkdtempSync(join(tmpdir(), 'layers-packed-'));
try {
  const tarballs = packAll(packed);
  const problems = Object.entries(tarballs).flatMap(([name, file]) =>
    [...publint(file), ...attw(file)].map((p) => `${name}: ${p}`),
  );
  if (problems.length) throw new Error(`release: packaging problems:\n${problems.join('\n')}`);
  console.log(`${Object.keys(tarballs).join(', ')}: no problems`);
} finally {
  rmSync(packed, { recursive: true, force: true });
}

if (dryRun) {
  step('publish (npm dry run: nothing is uploaded)');
  // Provenance needs the CI's OIDC token, which only a real publish asks for.
  sh('pnpm', ['publish', '-r', '--dry-run', '--no-git-checks', '--provenance=false']);
  console.log(`\nDry run done: ${publishable().length} packages would be published. Nothing was changed.`);
} else {
  step('consumer smoke tests on the new versions');
  sh('pnpm', ['--filter', '@layers/consumers', 'test']);
  step('commit, publish with provenance, tag');
  const version = JSON.parse(readFileSync(join(ROOT, 'packages/core/package.json'), 'utf8')).version;
  sh('git', ['commit', '-am', `release: v${version}`]);
  sh(CHANGESET, ['publish'], { env: { ...process.env, NPM_CONFIG_PROVENANCE: 'true' } });
  console.log('\nPublished. Push the release commit and its tags: git push --follow-tags');
}
