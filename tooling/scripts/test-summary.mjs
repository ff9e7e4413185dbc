// Sums the vitest JSON reports every package wrote and prints one closing line
// ("Tests: N passed, N failed, N skipped"); exits non-zero if any failed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['packages', 'apps', 'tooling'];
let passed = 0;
let failed = 0;
let skipped = 0;
const files = [];
for (const root of roots) {
  if (!existsSync(root)) continue;
  for (const pkg of readdirSync(root)) {
    const dir = join(root, pkg, 'test-results');
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).filter((n) => /^vitest.*\.json$/.test(n))) {
      const report = JSON.parse(readFileSync(join(dir, name), 'utf8'));
      passed += report.numPassedTests ?? 0;
      // A run whose suite crashed (e.g. an unhandled error) counts as a failure too.
      const crashed = report.success === false && (report.numFailedTests ?? 0) === 0 ? 1 : 0;
      failed += (report.numFailedTests ?? 0) + crashed;
      skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
      files.push(
        `${root}/${pkg} (${name}): ${report.numPassedTests} passed, ${report.numFailedTests} failed${crashed ? ', run failed' : ''}`,
      );
    }
  }
}
console.log(files.join('\n'));
// Bundle sizes measured by the consumer checks (tooling/consumers/src/sizes.mjs).
const sizes = join('tooling', 'consumers', 'test-results', 'bundle-sizes.json');
if (existsSync(sizes))
  console.log(
    `Bundle sizes (esbuild, minified; KB = 1000 bytes):\n${JSON.parse(readFileSync(sizes, 'utf8')).table}`,
  );
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || passed === 0) process.exit(1);
