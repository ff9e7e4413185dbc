/**
 * The host of the default entry: Node, Bun and Deno (all have the node: modules), and browsers
 * reached without the `browser` condition. The node: imports are dynamic so a browser never
 * loads them.
 */
import { browserCores, type Host, type NodeWorkerThreads, resolveInBrowser } from './host.js';

const node = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** @internal */
export const anyHost: Host = {
  node,
  async cores() {
    if (!node) return browserCores();
    const os = await import('node:os');
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  },
  async readFile(url) {
    const { readFile } = await import('node:fs/promises');
    return readFile(url);
  },
  async workerThreads() {
    return (await import('node:worker_threads')) as unknown as NodeWorkerThreads;
  },
  async resolve(location) {
    if (!node) return resolveInBrowser(location);
    if (location instanceof URL) return location;
    // An absolute URL stays one; anything else is a path, relative to the working directory.
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location) || location.startsWith('file:')) return new URL(location);
    const { pathToFileURL } = await import('node:url');
    const { resolve } = await import('node:path');
    const url = pathToFileURL(resolve(location));
    // A directory keeps its trailing slash so file names resolve inside it.
    if (/[\\/]$/.test(location) && !url.pathname.endsWith('/')) url.pathname += '/';
    return url;
  },
};
