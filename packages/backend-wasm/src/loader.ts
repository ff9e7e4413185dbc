/**
 * Finds and compiles the kernels module shipped next to this file. The
 * `new URL('./kernels.wasm', import.meta.url)` pattern is what Node resolves to a file
 * and what Vite and other bundlers rewrite to the emitted asset, so users configure nothing.
 */
const compiled: Record<string, Promise<WebAssembly.Module> | undefined> = {};

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

async function readNode(shared: boolean): Promise<Uint8Array> {
  const { readFile } = await import('node:fs/promises');
  const primary = shared
    ? new URL('./kernels.wasm', import.meta.url)
    : new URL('./kernels-st.wasm', import.meta.url);
  try {
    return await readFile(primary);
  } catch (e) {
    // Running from sources (tests): the module is built into ../dist.
    try {
      return await readFile(
        shared
          ? new URL('../dist/kernels.wasm', import.meta.url)
          : new URL('../dist/kernels-st.wasm', import.meta.url),
      );
    } catch {
      throw new Error(
        `layers wasm: cannot read ${primary.href} (${(e as Error).message}); build the package with \`pnpm build\``,
      );
    }
  }
}

async function fetchBrowser(shared: boolean): Promise<ArrayBuffer> {
  // Literal URLs so bundlers see and emit both files.
  const url = shared
    ? new URL('./kernels.wasm', import.meta.url)
    : new URL('./kernels-st.wasm', import.meta.url);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`layers wasm: fetching ${url.href} failed with HTTP ${res.status}`);
  return res.arrayBuffer();
}

/** `shared`: the build importing a shared memory (threads); otherwise the single-thread build. */
export function loadKernels(shared: boolean): Promise<WebAssembly.Module> {
  const key = shared ? 'mt' : 'st';
  let p = compiled[key];
  if (!p) {
    p = (isNode ? readNode(shared) : fetchBrowser(shared)).then((bytes) =>
      WebAssembly.compile(bytes as BufferSource),
    );
    p.catch(() => {
      compiled[key] = undefined;
    });
    compiled[key] = p;
  }
  return p;
}
