// The kernel module choice on an engine with relaxed SIMD (the vitest project 'relaxed'), and
// the relaxed build's multiply-add itself.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createWasmBackend } from '../../src/index.js';
import { relaxedSimdSupported } from '../../src/simd.js';
import { download, empty, upload } from '../helpers.js';

const dist = new URL('../../dist/', import.meta.url);

async function simdOf(options: Parameters<typeof createWasmBackend>[0]): Promise<string> {
  const be = await createWasmBackend(options);
  try {
    return be.info.simd;
  } finally {
    be.destroy();
  }
}

describe('wasm kernel module choice (relaxed SIMD on)', () => {
  it('the engine runs relaxed SIMD, and the default takes the relaxed build, threaded or not', async () => {
    expect(relaxedSimdSupported()).toBe(true);
    expect(await simdOf({ threads: 1 })).toBe('simd128+relaxed');
    expect(await simdOf({ threads: 2 })).toBe('simd128+relaxed');
    expect(await simdOf({ threads: 2, simd: 'baseline' })).toBe('simd128');
  });

  it('wasmPaths: a folder without the relaxed files falls back to the baseline build', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'layers-wasm-'));
    try {
      for (const f of ['kernels.wasm', 'kernels-st.wasm'])
        cpSync(fileURLToPath(new URL(f, dist)), join(dir, f));
      expect(await simdOf({ threads: 2, wasmPaths: dir })).toBe('simd128');
      await expect(createWasmBackend({ threads: 2, wasmPaths: dir, simd: 'relaxed' })).rejects.toThrow(
        /cannot read file:.*kernels-relaxed\.wasm .*the file does not exist/,
      );
      cpSync(fileURLToPath(new URL('kernels-relaxed.wasm', dist)), join(dir, 'kernels-relaxed.wasm'));
      expect(await simdOf({ threads: 2, wasmPaths: dir })).toBe('simd128+relaxed');
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('wasmPaths: one URL per build; a relaxed one only where given', async () => {
    const threaded = new URL('kernels.wasm', dist);
    expect(await simdOf({ threads: 2, wasmPaths: { threaded } })).toBe('simd128');
    await expect(createWasmBackend({ threads: 2, wasmPaths: { threaded }, simd: 'relaxed' })).rejects.toThrow(
      /simd: 'relaxed' was asked for, but wasmPaths has no threadedRelaxed entry/,
    );
    const threadedRelaxed = new URL('kernels-relaxed.wasm', dist);
    expect(await simdOf({ threads: 2, wasmPaths: { threaded, threadedRelaxed } })).toBe('simd128+relaxed');
  });

  it('wasmModule: the module says which build it is; a forced choice must match', async () => {
    const relaxed = await readFile(new URL('kernels-relaxed.wasm', dist));
    const st = await readFile(new URL('kernels-relaxed-st.wasm', dist));
    expect(await simdOf({ threads: 2, wasmModule: relaxed })).toBe('simd128+relaxed');
    expect(await simdOf({ threads: 1, wasmModule: st, simd: 'relaxed' })).toBe('simd128+relaxed');
    await expect(createWasmBackend({ threads: 1, wasmModule: relaxed, simd: 'baseline' })).rejects.toThrow(
      /simd: 'baseline' was asked for, but wasmModule is a relaxed-SIMD build/,
    );
  });

  it('matmul on the relaxed build rounds the multiply-add once or twice, nothing else', async () => {
    // out = (-1)(1) + (1 + 2^-12)^2 = 2^-11 + 2^-24 exactly. Fused (one rounding of the
    // running sum) keeps the 2^-24; mul-then-add rounds the square to 1 + 2^-11 first.
    const be = await createWasmBackend({ threads: 1, simd: 'relaxed' });
    try {
      const e = 2 ** -12;
      const a = upload(be, new Float32Array([-1, 1 + e]), [1, 1, 2]);
      const b = upload(be, new Float32Array([1, 1 + e]), [1, 2, 1]);
      const o = empty(be, [1, 1, 1]);
      be.matmul(a, b, o);
      const got = download(be, o)[0];
      expect([2 ** -11 + 2 ** -24, 2 ** -11]).toContain(got);
      console.log(`relaxed_madd on this machine: ${got === 2 ** -11 ? 'mul then add' : 'fused'}`);
    } finally {
      be.destroy();
    }
  });
});
