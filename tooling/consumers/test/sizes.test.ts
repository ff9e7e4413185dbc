// Bundle-size budgets per entry, from a real esbuild browser bundle (minified, gzip); the
// table goes to test-results/bundle-sizes.json, which the test summary prints.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entries, measureAll, table } from '../src/sizes.mjs';

const budgets: Record<string, number> = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'budgets.json'), 'utf8'),
);

describe('bundle size', async () => {
  const rows = await measureAll();
  mkdirSync(join(import.meta.dirname, '..', 'test-results'), { recursive: true });
  writeFileSync(
    join(import.meta.dirname, '..', 'test-results', 'bundle-sizes.json'),
    `${JSON.stringify({ table: table(rows), rows }, null, 2)}\n`,
  );

  it('measures every entry, and every entry has a budget', () => {
    expect(rows.map((r) => r.entry)).toEqual(entries().map((e) => e.join(' + ')));
    for (const r of rows)
      expect(budgets[r.entry], `no budget for ${r.entry} in budgets.json`).toBeTypeOf('number');
  });

  it.each(rows.map((r) => [r.entry, r] as const))('%s within its budget (JS + .wasm, gzip)', (_name, r) => {
    expect(r.jsGzip + r.wasmGzip).toBeLessThanOrEqual(budgets[r.entry]);
  });

  it('the browser bundle of backend-wasm takes its browser entry: no node: module, no Node host', () => {
    const wasm = rows.find((r) => r.entry.endsWith('backend-wasm'));
    expect(wasm?.inputs.some((i: string) => i.endsWith('backend-wasm/dist/index.browser.js'))).toBe(true);
    expect(wasm?.inputs.filter((i: string) => i.startsWith('node:') || i.endsWith('host/any.js'))).toEqual(
      [],
    );
  });
});
