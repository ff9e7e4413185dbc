/**
 * Finds and compiles the kernels module. By default it is the file shipped next to this one:
 * `new URL('./kernels.wasm', import.meta.url)` is what Node resolves to a file and what Vite
 * and webpack rewrite to an emitted asset. Bundlers that do not (esbuild), CDNs and
 * sandboxes without file access take `wasmPaths` or `wasmModule` instead.
 */
import type { Host } from './host/host.js';

/**
 * The builds of the kernels: threads need the ones that import a shared memory; the relaxed
 * ones use relaxed SIMD's fused multiply-add (see simd.ts for which one runs).
 */
export const KERNEL_FILES = {
  threaded: 'kernels.wasm',
  singleThread: 'kernels-st.wasm',
  threadedRelaxed: 'kernels-relaxed.wasm',
  singleThreadRelaxed: 'kernels-relaxed-st.wasm',
} as const;

/** @internal One of the four builds: shared memory or not, relaxed SIMD or not. */
export interface Build {
  shared: boolean;
  relaxed: boolean;
}

/** @internal The {@link KERNEL_FILES} key of a build. */
export function buildKey(b: Build): keyof typeof KERNEL_FILES {
  if (b.relaxed) return b.shared ? 'threadedRelaxed' : 'singleThreadRelaxed';
  return b.shared ? 'threaded' : 'singleThread';
}

/**
 * Where the kernel files are: a folder URL or path holding the files (like
 * `https://cdn.example/layers/` or `/assets/`), or the URL of each file. A relaxed-SIMD build
 * that is not there (no URL given, or the folder lacks it) is not an error: the baseline
 * build of the same kind runs instead.
 */
export type WasmPaths =
  | string
  | URL
  | {
      /** Where `kernels.wasm` (shared memory, for more than one thread) is. */
      threaded?: string | URL;
      /** Where `kernels-st.wasm` (one thread, no SharedArrayBuffer) is. */
      singleThread?: string | URL;
      /** Where `kernels-relaxed.wasm` (shared memory, relaxed SIMD) is. */
      threadedRelaxed?: string | URL;
      /** Where `kernels-relaxed-st.wasm` (one thread, relaxed SIMD) is. */
      singleThreadRelaxed?: string | URL;
    };

const compiled: Record<string, Promise<WebAssembly.Module> | undefined> = {};

function defaultUrl(b: Build): URL {
  // Literal URLs so bundlers see and emit every file.
  if (b.relaxed) {
    return b.shared
      ? new URL('./kernels-relaxed.wasm', import.meta.url)
      : new URL('./kernels-relaxed-st.wasm', import.meta.url);
  }
  return b.shared
    ? new URL('./kernels.wasm', import.meta.url)
    : new URL('./kernels-st.wasm', import.meta.url);
}

async function userUrl(paths: WasmPaths, b: Build, host: Host): Promise<URL | undefined> {
  const key = buildKey(b);
  if (typeof paths === 'string' || paths instanceof URL) {
    const dir = await host.resolve(typeof paths === 'string' && !/[\\/]$/.test(paths) ? `${paths}/` : paths);
    return new URL(KERNEL_FILES[key], dir.href.endsWith('/') ? dir : `${dir.href}/`);
  }
  const one = paths[key];
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
async function readDefault(b: Build, host: Host): Promise<BufferSource> {
  const primary = defaultUrl(b);
  try {
    return await read(primary, host);
  } catch (e) {
    if (!(host.node && import.meta.url.endsWith('.ts'))) throw e;
    return read(new URL(`../dist/${KERNEL_FILES[buildKey(b)]}`, import.meta.url), host);
  }
}

/**
 * Compiles the build `b` from `wasmPaths` or the default location. Resolves null for a
 * relaxed build whose location is not given (an object `wasmPaths` without its key), so the
 * caller can take the baseline build instead.
 */
export function loadKernels(b: Build, host: Host, paths?: WasmPaths): Promise<WebAssembly.Module | null> {
  // Compiled modules are cached per location, so backends created again do not recompile.
  return (async () => {
    const url = paths === undefined ? undefined : await userUrl(paths, b, host);
    if (paths !== undefined && url === undefined && b.relaxed) return null;
    const key = `${buildKey(b)} ${url?.href ?? ''}`;
    let p = compiled[key];
    if (!p) {
      p = (url ? read(url, host) : readDefault(b, host)).then((bytes) => WebAssembly.compile(bytes));
      p.catch(() => {
        compiled[key] = undefined;
      });
      compiled[key] = p;
    }
    return p;
  })();
}
