// Removes last run's vitest reports so the summary only counts this run.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

for (const root of ['packages', 'apps', 'tooling']) {
  if (!existsSync(root)) continue;
  for (const pkg of readdirSync(root))
    rmSync(join(root, pkg, 'test-results'), { recursive: true, force: true });
}
