/** The host of browsers and web workers: no Node API is ever reached from here. */
import { browserCores, type Host, resolveInBrowser } from './host.js';

function nodeOnly(): never {
  throw new Error('layers wasm: internal error, a Node API was asked for in the browser build');
}

/** @internal */
export const browserHost: Host = {
  node: false,
  cores: browserCores,
  readFile: nodeOnly,
  workerThreads: nodeOnly,
  resolve: resolveInBrowser,
};
