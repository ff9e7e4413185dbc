/**
 * What the backend needs from the JavaScript host it runs in. Two implementations: `any.ts`
 * (Node, Bun, Deno and browsers, choosing at run time) and `browser.ts`, which the exports
 * map's `browser` condition selects so bundlers never see a `node:` import.
 */
export interface Host {
  /** Node's APIs (fs, os, worker_threads) are there; Bun and Deno count as Node. */
  readonly node: boolean;
  /** Cores the default thread count uses. */
  cores(): Promise<number>;
  /** Reads a `file:` URL; only called where `node` is true. */
  readFile(url: URL): Promise<Uint8Array>;
  /** Node's worker_threads module; only called where `node` is true. */
  workerThreads(): Promise<NodeWorkerThreads>;
  /** A user-given location (URL or path) as a URL. */
  resolve(location: string | URL): Promise<URL>;
}

/** The part of node:worker_threads the pool uses, so this file needs no Node types. */
export interface NodeWorkerThreads {
  Worker: new (
    src: string,
    options: { eval: true },
  ) => {
    postMessage(msg: unknown): void;
    terminate(): unknown;
    unref(): void;
    on(event: 'message', fn: (m: unknown) => void): void;
    on(event: 'error', fn: (e: unknown) => void): void;
    on(event: 'exit', fn: (code: number) => void): void;
    once(event: 'exit', fn: () => void): void;
  };
}

/** navigator.hardwareConcurrency, or 1 where there is none. */
export function browserCores(): Promise<number> {
  return Promise.resolve((globalThis as any).navigator?.hardwareConcurrency ?? 1);
}

/** A URL or a location relative to the page. */
export function resolveInBrowser(location: string | URL): Promise<URL> {
  return Promise.resolve(new URL(location, (globalThis as any).location?.href));
}
