import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { setBackend, VERSION } from '../src/index.js';

const KEY = Symbol.for('@layers/core/instances');
const registry = () => (globalThis as any)[KEY] as { version: string; url: string }[];
const fakeBackend = {} as Parameters<typeof setBackend>[0];

describe('one @layers/core per program', () => {
  it('VERSION is the version in package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });

  it('this copy registered itself once', () => {
    const mine = registry().filter((i) => i.url.endsWith('/src/backend/instances.ts'));
    expect(mine).toHaveLength(1);
    expect(mine[0].version).toBe(VERSION);
  });

  it('setBackend names both versions and locations when a second copy has loaded', () => {
    const other = {
      version: '0.0.9',
      url: 'file:///app/node_modules/x/node_modules/@layers/core/dist/backend/instances.js',
    };
    registry().push(other);
    try {
      expect(() => setBackend(fakeBackend)).toThrow(
        new RegExp(
          `two copies of @layers/core are loaded, ${VERSION.replace(/\./g, '\\.')} \\(file:.*instances\\.ts\\) and 0\\.0\\.9 \\(file:///app/node_modules/x/.*\\); tensors of one are foreign`,
        ),
      );
    } finally {
      registry().splice(registry().indexOf(other), 1);
    }
    expect(() => setBackend(fakeBackend)).not.toThrow();
  });
});
