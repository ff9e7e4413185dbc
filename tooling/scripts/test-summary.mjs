// Sums the vitest JSON reports every package wrote and prints one closing line
// ("Tests: N passed, N failed, N skipped"); exits non-zero if any failed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['packages', 'apps'];
let passed = 0;
let failed = 0;
let skipped = 0;
const files = [];
for (const root of roots) {
  if (!existsSync(root)) continue;
  for (const pkg of readdirSync(root)) {
    const file = join(root, pkg, 'test-results', 'vitest.json');
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, 'utf8'));
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    files.push(`${root}/${pkg}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
  }
}
console.log(files.join('\n'));
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || passed === 0) process.exit(1);
