#!/usr/bin/env node
/**
 * layers-conformance: run the conformance suite against backend packages and print the
 * op × backend matrix.
 *
 *   layers-conformance                          every packages/backend-* in this repo
 *   layers-conformance ./packages/backend-mine  one package by path (or by name)
 *   layers-conformance my-backend --factory createMyBackend --args '{"threads":2}'
 *
 * Each backend runs in its own `vitest run` (a generated test file that calls
 * describeConformance), so one crashing backend cannot take the others down. The suite
 * writes `<backend>.json`; this CLI merges them into docs/conformance.{md,json}.
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { matrixJSON, matrixMarkdown, type Target } from './cli-matrix.js';
import type { BackendReport } from './report.js';

const USAGE = `Usage: layers-conformance [backend package name or path ...] [options]

With no package, runs every packages/backend-* of the repository.

Options:
  --factory <name>   exported factory to call (default: the one export named create*Backend)
  --args <json>      argument passed to the factory, e.g. '{"threads":2}'
  --name <name>      backend name in the matrix (default: package name without scope and "backend-")
  --skip <key>       skip a fixture family, op, case or behaviour group (repeatable)
  --src              import src/index.ts even when the package is built
  --out <path>       matrix output without extension (default: <repo>/docs/conformance)
  --reports <dir>    per-backend reports (default: ./conformance-report)
  --verbose          stream vitest's output
  -h, --help         this text`;

const here = dirname(fileURLToPath(import.meta.url));
/** This package's root (dist/cli.js or src/cli.ts live one level below). */
const pkgRoot = resolve(here, '..');
/** pnpm runs scripts in the package dir; INIT_CWD is where the user typed the command. */
const userCwd = process.env.INIT_CWD ?? process.cwd();

function findRepoRoot(from: string): string | null {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) return null;
  }
}

function readJSON(file: string): any {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** The package directory for a path or a package name. */
function packageDir(spec: string, repo: string | null): string {
  const asPath = resolve(userCwd, spec);
  if (existsSync(join(asPath, 'package.json'))) return asPath;
  if (spec.startsWith('.') || spec.startsWith('/')) throw new Error(`no package.json in ${asPath}`);
  for (const base of [userCwd, repo ?? userCwd, pkgRoot]) {
    try {
      return dirname(createRequire(join(base, 'package.json')).resolve(`${spec}/package.json`));
    } catch {
      // not resolvable from here; try the next base, then the workspace
    }
  }
  if (repo) {
    for (const group of ['packages', 'apps']) {
      const root = join(repo, group);
      if (!existsSync(root)) continue;
      for (const d of readdirSync(root)) {
        const pj = join(root, d, 'package.json');
        if (existsSync(pj) && readJSON(pj).name === spec) return join(root, d);
      }
    }
  }
  throw new Error(`cannot find package ${spec} (not a directory, not installed, not in the workspace)`);
}

/** The module to import: the built entry from package.json, else src/index.ts. */
function entryOf(dir: string, preferSource: boolean): string {
  const pj = readJSON(join(dir, 'package.json'));
  const src = ['src/index.ts', 'src/index.js'].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (preferSource && src) return src;
  const dot = typeof pj.exports === 'string' ? pj.exports : (pj.exports?.['.'] ?? pj.exports);
  const fromExports = typeof dot === 'string' ? dot : (dot?.import ?? dot?.default);
  const built = [fromExports, pj.module, pj.main].find(
    (f) => typeof f === 'string' && existsSync(join(dir, f)),
  );
  if (built) return join(dir, built);
  if (src) return src;
  throw new Error(
    `${pj.name}: no built entry (${fromExports ?? pj.main ?? 'exports/main'}) and no src/index.ts`,
  );
}

function backendName(pkgName: string): string {
  return pkgName.replace(/^@[^/]+\//, '').replace(/^backend-/, '');
}

function discover(repo: string): string[] {
  const root = join(repo, 'packages');
  return readdirSync(root)
    .filter((d) => d.startsWith('backend-') && existsSync(join(root, d, 'package.json')))
    .sort()
    .map((d) => join(root, d));
}

/** The generated test: finds the factory in the module and registers the suite. */
function testSource(
  t: Target,
  conformanceEntry: string,
  factory: string | undefined,
  args: unknown,
  skip: string[],
) {
  const url = (f: string) => JSON.stringify(pathToFileURL(f).href);
  const call = args === undefined ? '' : JSON.stringify(args);
  return `import { describeConformance } from ${url(conformanceEntry)};
import * as mod from ${url(t.entry)};

const wanted = ${JSON.stringify(factory ?? null)};
const found = Object.keys(mod).filter((k) => /^create\\w*Backend$/.test(k) && typeof mod[k] === 'function');
const factory = wanted ?? (found.length === 1 ? found[0] : null);
if (!factory || typeof mod[factory] !== 'function') {
  throw new Error(
    ${JSON.stringify(t.pkg)} + ': ' +
      (wanted ? 'no exported function ' + wanted : found.length ? 'several factories (' + found.join(', ') + '); pass --factory' : 'no exported create*Backend function; pass --factory'),
  );
}
describeConformance(${JSON.stringify(t.name)}, () => mod[factory](${call}), {
  skip: ${JSON.stringify(skip)},
  ${t.entry.endsWith('.js') ? `backendModule: { specifier: ${url(t.entry)}, factory },` : ''}
});
`;
}

const CONFIG = `export default {
  test: {
    include: ['conformance.test.mjs'],
    testTimeout: 120000,
    hookTimeout: 120000,
    // The suite's no-tidy memory test forces GC to run FinalizationRegistry callbacks.
    pool: 'forks',
    execArgv: ['--expose-gc'],
  },
};
`;

/** Run vitest on the generated file; resolves with its exit code and captured output. */
function runVitest(dir: string, reports: string, verbose: boolean): Promise<{ code: number; log: string }> {
  const vitestPkg = createRequire(join(pkgRoot, 'package.json')).resolve('vitest/package.json');
  const bin = join(dirname(vitestPkg), 'vitest.mjs');
  const env: NodeJS.ProcessEnv = { ...process.env, LAYERS_CONFORMANCE_REPORT: reports };
  // Captured output is shown only on a crash: keep it free of colour codes.
  if (!verbose) {
    env.NO_COLOR = '1';
    delete env.FORCE_COLOR;
  }
  // Headless machines have no GPU: let Dawn (WebGPU in Node) use Chromium's SwiftShader
  // Vulkan driver when nothing else is configured, as backend-webgpu's own tests do.
  const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
  if (!env.VK_ICD_FILENAMES && existsSync(swiftshader)) env.VK_ICD_FILENAMES = swiftshader;
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [bin, 'run', '--config', join(dir, 'vitest.config.mjs'), '--root', dir],
      {
        cwd: dir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let log = '';
    const take = (b: Buffer) => {
      log += b.toString();
      if (verbose) process.stdout.write(b);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? 1, log }));
  });
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      factory: { type: 'string' },
      args: { type: 'string' },
      name: { type: 'string' },
      skip: { type: 'string', multiple: true, default: [] },
      src: { type: 'boolean', default: false },
      out: { type: 'string' },
      reports: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const repo = findRepoRoot(userCwd) ?? findRepoRoot(pkgRoot);
  if (positionals.length > 1 && (values.factory || values.name || values.args)) {
    throw new Error('--factory, --name and --args apply to one package; give exactly one');
  }
  if (positionals.length === 0 && !repo)
    throw new Error('not inside a pnpm workspace: name a backend package');
  const dirs = positionals.length ? positionals.map((p) => packageDir(p, repo)) : discover(repo!);
  const factoryArgs = values.args === undefined ? undefined : JSON.parse(values.args);
  const targets: Target[] = dirs.map((dir) => {
    const pkg = readJSON(join(dir, 'package.json')).name as string;
    return { pkg, dir, entry: entryOf(dir, values.src), name: values.name ?? backendName(pkg) };
  });
  const conformanceEntry = [join(pkgRoot, 'dist/index.js'), join(pkgRoot, 'src/index.ts')].find(existsSync)!;
  const reportsDir = resolve(userCwd, values.reports ?? 'conformance-report');
  const out = resolve(userCwd, values.out ?? join(repo ?? userCwd, 'docs', 'conformance'));
  const work = mkdtempSync(join(tmpdir(), 'layers-conformance-'));
  const reports: BackendReport[] = [];
  const crashed: string[] = [];
  try {
    for (const t of targets) {
      const dir = join(work, t.name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'conformance.test.mjs'),
        testSource(t, conformanceEntry, values.factory, factoryArgs, values.skip),
      );
      writeFileSync(join(dir, 'vitest.config.mjs'), CONFIG);
      console.log(`conformance: ${t.name} (${t.pkg}, ${relative(userCwd, t.entry) || t.entry}) ...`);
      const started = performance.now();
      const { code, log } = await runVitest(dir, reportsDir, values.verbose);
      const file = join(reportsDir, `${t.name}.json`);
      // A report older than this run is a previous run's: treat the backend as crashed.
      const report = existsSync(file) ? (readJSON(file) as BackendReport) : null;
      const fresh =
        report && Date.parse(report.generatedAt) >= Date.now() - (performance.now() - started) - 1000;
      if (!report || !fresh) {
        crashed.push(t.name);
        // The import-time error (no factory, a module that fails to load) is the useful line.
        const lines = log.split('\n');
        const error = lines.find((l) => /^\s*(\w*Error|Error):/.test(l));
        console.log(`  no report: the suite did not run (vitest exit ${code})`);
        console.log(error ? `  ${error.trim()}` : lines.slice(-40).join('\n'));
        continue;
      }
      reports.push(report);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(`  done in ${seconds}s (vitest exit ${code})`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (!reports.length) {
    console.error('conformance: no backend produced a report');
    return 1;
  }
  const md = matrixMarkdown(reports, targets, crashed);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.md`, md);
  writeFileSync(`${out}.json`, `${JSON.stringify(matrixJSON(reports, targets, crashed), null, 2)}\n`);
  console.log(`\n${md}`);
  console.log(
    `wrote ${relative(userCwd, out)}.md and .json; per-backend reports in ${relative(userCwd, reportsDir)}/`,
  );
  const failing = reports.some((r) => Object.values(r.ops).some((e) => e.status === 'fail'));
  return failing || crashed.length ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(`layers-conformance: ${e instanceof Error ? e.message : String(e)}`);
    console.error(USAGE);
    process.exitCode = 2;
  },
);
