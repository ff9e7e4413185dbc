/**
 * Finds and compiles the kernels module. By default it is the file shipped next to this one:
 * `new URL('./kernels.wasm', import.meta.url)` is what Node resolves to a file and what Vite
 * and webpack rewrite to an emitted asset. Bundlers that do not (esbuild), CDNs and
 * sandboxes without file access take `wasmPaths` or `wasmModule` instead.
 */
import type { Host } from './host/host.js';

/** The two builds of the kernels: threads need the one that imports a shared memory. */
export const KERNEL_FILES = { threaded: 'kernels.wasm', singleThread: 'kernels-st.wasm' } as const;

/**
 * Where the kernel files are: a folder URL or path holding both files (like
 * `https://cdn.example/layers/` or `/assets/`), or the URL of each file.
 */
export type WasmPaths =
  | string
  | URL
  | {
      /** Where `kernels.wasm` (shared memory, for more than one thread) is. */
      threaded?: string | URL;
      /** Where `kernels-st.wasm` (one thread, no SharedArrayBuffer) is. */
      singleThread?: string | URL;
    };

/** @internal What createWasmBackend passes on from its options. */
export interface KernelSource {
  wasmPaths?: WasmPaths | undefined;
  wasmModule?: WebAssembly.Module | BufferSource | undefined;
}

const compiled: Record<string, Promise<WebAssembly.Module> | undefined> = {};

function defaultUrl(shared: boolean): URL {
  // Literal URLs so bundlers see and emit both files.
  return shared ? new URL('./kernels.wasm', import.meta.url) : new URL('./kernels-st.wasm', import.meta.url);
}

async function userUrl(paths: WasmPaths, shared: boolean, host: Host): Promise<URL | undefined> {
  const file = shared ? KERNEL_FILES.threaded : KERNEL_FILES.singleThread;
  if (typeof paths === 'string' || paths instanceof URL) {
    const dir = await host.resolve(typeof paths === 'string' && !/[\\/]$/.test(paths) ? `${paths}/` : paths);
    return new URL(file, dir.href.endsWith('/') ? dir : `${dir.href}/`);
  }
  const one = shared ? paths.threaded : paths.singleThread;
  return one === undefined ? undefined : host.resolve(one);
}

/** Why a read failed, and what to do about it: a missing file and a denied read differ. */
function readError(url: URL, e: unknown): Error {
  const err = e as { code?: string; name?: string; message?: string };
  const denied =
    err?.name === 'NotCapable' ||
    err?.name === 'PermissionDenied' ||
    err?.code === 'EACCES' ||
    err?.code === 'EPERM' ||
    err?.code === 'ERR_ACCESS_DENIED';
  const hint = denied
    ? 'reading it was denied: grant read access (Deno: --allow-read; Node: --allow-fs-read) or pass `wasmModule`'
    : err?.code === 'ENOENT'
      ? 'the file does not exist: a source checkout needs `pnpm build`; a bundle needs the .wasm copied next to it or `wasmPaths`'
      : 'pass `wasmPaths` or `wasmModule` to createWasmBackend';
  return new Error(`layers wasm: cannot read ${url.href} (${err?.message ?? String(e)}); ${hint}`);
}

async function read(url: URL, host: Host): Promise<BufferSource> {
  if (host.node && url.protocol === 'file:') {
    try {
      return (await host.readFile(url)) as BufferSource;
    } catch (e) {
      throw readError(url, e);
    }
  }
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`layers wasm: fetching ${url.href} failed (${(e as Error).message}); pass \`wasmPaths\``);
  }
  if (!res.ok)
    throw new Error(`layers wasm: fetching ${url.href} failed with HTTP ${res.status}; pass \`wasmPaths\``);
  return res.arrayBuffer();
}

/** Running from sources (this package's tests): the module is built into ../dist. */
async function readDefault(shared: boolean, host: Host): Promise<BufferSource> {
  const primary = defaultUrl(shared);
  try {
    return await read(primary, host);
  } catch (e) {
    if (!(host.node && import.meta.url.endsWith('.ts'))) throw e;
    return read(
      new URL(`../dist/${shared ? KERNEL_FILES.threaded : KERNEL_FILES.singleThread}`, import.meta.url),
      host,
    );
  }
}

/** `shared`: the build importing a shared memory (threads); otherwise the single-thread build. */
export function loadKernels(
  shared: boolean,
  host: Host,
  source: KernelSource = {},
): Promise<WebAssembly.Module> {
  const given = source.wasmModule;
  if (given !== undefined) {
    return given instanceof WebAssembly.Module ? Promise.resolve(given) : WebAssembly.compile(given);
  }
  const paths = source.wasmPaths;
  // Compiled modules are cached per location, so backends created again do not recompile.
  return (async () => {
    const url = paths === undefined ? undefined : await userUrl(paths, shared, host);
    const key = `${shared ? 'mt' : 'st'} ${url?.href ?? ''}`;
    let p = compiled[key];
    if (!p) {
      p = (url ? read(url, host) : readDefault(shared, host)).then((bytes) => WebAssembly.compile(bytes));
      p.catch(() => {
        compiled[key] = undefined;
      });
      compiled[key] = p;
    }
    return p;
  })();
}
