/**
 * One @layers/core per program. A second copy (a backend that installed its own core because
 * of a version mismatch, or a bundle holding two) has its own Tensor class and backend
 * registry: tensors of one are foreign to the other and fail in confusing ways. Every copy
 * records itself in a global registry when it loads; setBackend refuses to run while another
 * copy is there, naming both.
 */
import { VERSION } from '../version.js';

interface Instance {
  readonly version: string;
  readonly url: string;
}

const KEY = Symbol.for('@layers/core/instances');
const self: Instance = { version: VERSION, url: import.meta.url };
const g = globalThis as { [KEY]?: Instance[] };
const instances: Instance[] = g[KEY] ?? [];
g[KEY] = instances;
// The same file evaluated again (test runners re-import modules) is this copy, not another.
for (let i = instances.length - 1; i >= 0; i--) {
  if (instances[i].url === self.url && instances[i].version === self.version) instances.splice(i, 1);
}
instances.push(self);

/** @internal Throws if another copy of @layers/core has loaded in this program. */
export function checkSingleCore(): void {
  const other = instances.find((i) => i !== self);
  if (!other) return;
  throw new Error(
    `layers: two copies of @layers/core are loaded, ${self.version} (${self.url}) and ${other.version} (${other.url}); ` +
      'tensors of one are foreign to the other. Backends take @layers/core as a peer dependency: ' +
      'install a single version (`npm ls @layers/core`, then `npm dedupe` or align the versions).',
  );
}
