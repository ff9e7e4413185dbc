import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe('wasm thread pool and the Node process', () => {
  it('an undestroyed 2-thread backend does not keep Node alive', () => {
    expect(existsSync(dist), 'run `pnpm build` in packages/backend-wasm first').toBe(true);
    // Runs in a child process: the built package, one threaded op, then falls off the end.
    const script = `
      const { createWasmBackend } = await import(${JSON.stringify(dist)});
      const be = await createWasmBackend({ threads: 2 });
      const n = 1 << 18;
      const a = be.alloc(n, 'float32');
      be.fill({ buffer: a, dtype: 'float32', shape: [n], strides: [1], offset: 0 }, 3);
      console.log('value', be.readSync(a, 'float32', 1)[0]);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 20_000,
      encoding: 'utf8',
    });
    expect(r.error, 'child timed out: the pool kept the process alive').toBeUndefined();
    expect(r.stdout).toContain('value 3');
    expect(r.status).toBe(0);
  });
});
