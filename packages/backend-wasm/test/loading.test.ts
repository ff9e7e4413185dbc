// Where the kernels come from: the default files, `wasmPaths` (a folder or one URL per build)
// and `wasmModule`, and the errors a wrong location or a wrong build gives.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createWasmBackend } from '../src/index.js';
import { download, empty, upload } from './helpers.js';

const dist = new URL('../dist/', import.meta.url);

/** 1.5 + 2.25 and 3 - 0.5 are exact in float32: a backend that computes at all gets them. */
async function addsCorrectly(options: Parameters<typeof createWasmBackend>[0]): Promise<void> {
  const be = await createWasmBackend(options);
  try {
    const a = upload(be, new Float32Array([1.5, 3]), [2]);
    const b = upload(be, new Float32Array([2.25, -0.5]), [2]);
    const out = empty(be, [2]);
    be.binary('add', a, b, out);
    expect(Array.from(download(be, out))).toEqual([3.75, 2.5]);
  } finally {
    be.destroy();
  }
}

describe('wasm kernel location', () => {
  it('wasmPaths: a folder given as a path, with or without the trailing slash', async () => {
    await addsCorrectly({ threads: 1, wasmPaths: fileURLToPath(dist) });
    await addsCorrectly({ threads: 2, wasmPaths: `${fileURLToPath(dist)}/` });
  });

  it('wasmPaths: one URL per build', async () => {
    await addsCorrectly({ threads: 1, wasmPaths: { threaded: new URL('kernels.wasm', dist) } });
    await addsCorrectly({
      threads: 2,
      wasmPaths: { threaded: new URL('kernels.wasm', dist).href, singleThread: '/x/' },
    });
  });

  it('wasmModule: bytes or a compiled module, nothing read', async () => {
    // With one thread either build runs (the memory follows the module); threads need kernels.wasm.
    const st = await readFile(new URL('kernels-st.wasm', dist));
    await addsCorrectly({ threads: 1, wasmModule: st, wasmPaths: '/nonexistent/' });
    const mt = await WebAssembly.compile(await readFile(new URL('kernels.wasm', dist)));
    await addsCorrectly({ threads: 1, wasmModule: mt });
    await addsCorrectly({ threads: 2, wasmModule: mt });
  });

  it('a folder without the files names the file and says what to do', async () => {
    // Node has SharedArrayBuffer, so even one thread loads the shared-memory build.
    await expect(createWasmBackend({ threads: 1, wasmPaths: '/nonexistent/dir' })).rejects.toThrow(
      /cannot read file:\/\/\/nonexistent\/dir\/kernels\.wasm \(.*ENOENT.*\); the file does not exist/,
    );
  });

  it('the wrong build in wasmModule says which one is needed', async () => {
    const st = await readFile(new URL('kernels-st.wasm', dist));
    await expect(createWasmBackend({ threads: 2, wasmModule: st })).rejects.toThrow(
      /wasmModule does not link \(.*\); threads need the shared-memory build, kernels\.wasm$/,
    );
  });
});
