// The kernel module choice in this process's engine (the baseline project: Node 20 without
// --experimental-wasm-relaxed-simd rejects relaxed SIMD; Node 22+ runs it by default).
// test/relaxed/choice.test.ts covers an engine with relaxed SIMD.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createWasmBackend } from '../src/index.js';
import { relaxedSimdSupported } from '../src/simd.js';

const dist = new URL('../dist/', import.meta.url);
const nodeMajor = Number(process.versions.node.split('.')[0]);
/** What the engine runs, from its version and flags rather than from the probe under test. */
const engineRelaxed = nodeMajor >= 22 || process.execArgv.includes('--experimental-wasm-relaxed-simd');

describe('wasm kernel module choice (this engine)', () => {
  it('the relaxed-SIMD probe agrees with the engine', () => {
    expect(relaxedSimdSupported()).toBe(engineRelaxed);
  });

  it("simd: 'baseline' runs the baseline build; the default follows the engine", async () => {
    const base = await createWasmBackend({ threads: 1, simd: 'baseline' });
    const auto = await createWasmBackend({ threads: 1 });
    try {
      expect(base.info).toEqual({ simd: 'simd128', threads: 1, sharedMemory: true });
      expect(auto.info.simd).toBe(engineRelaxed ? 'simd128+relaxed' : 'simd128');
    } finally {
      base.destroy();
      auto.destroy();
    }
  });

  it.skipIf(engineRelaxed)(
    "simd: 'relaxed' without engine support is an error that says how to enable it",
    async () => {
      await expect(createWasmBackend({ threads: 1, simd: 'relaxed' })).rejects.toThrow(
        /simd: 'relaxed' was asked for, but this engine rejects relaxed SIMD; .*Node 20 needs --experimental-wasm-relaxed-simd/,
      );
    },
  );

  it.skipIf(engineRelaxed)(
    'relaxed-SIMD bytes as wasmModule: the compile error says what the build needs',
    async () => {
      const bytes = await readFile(new URL('kernels-relaxed.wasm', dist));
      await expect(createWasmBackend({ threads: 1, wasmModule: bytes })).rejects.toThrow(
        /wasmModule does not compile \(.*\); if it is a relaxed-SIMD build \(kernels-relaxed\*\.wasm\), relaxed SIMD runs by default/,
      );
    },
  );

  it('an unknown simd value is rejected with the choices', async () => {
    await expect(createWasmBackend({ threads: 1, simd: 'fma' as never })).rejects.toThrow(
      /simd must be 'auto', 'relaxed' or 'baseline', got "fma"/,
    );
  });

  it("a baseline wasmModule with simd: 'relaxed' is refused, naming the build it is", async () => {
    const mt = await readFile(new URL('kernels.wasm', dist));
    await expect(createWasmBackend({ threads: 1, wasmModule: mt, simd: 'relaxed' })).rejects.toThrow(
      /simd: 'relaxed' was asked for, but wasmModule is a baseline build/,
    );
  });
});
