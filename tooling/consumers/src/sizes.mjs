// Bundle size per entry: core alone and core with each backend, bundled by esbuild for the
// browser (minified, tree-shaken: everything the package exports stays, since an app may
// use any of it), gzip level 9. The .wasm a page fetches is counted apart. Run directly
// (`pnpm --filter @layers/consumers sizes`) it prints the table the README quotes.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { publishable } from './workspace.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** Gzipped bytes of `bytes`. */
const gzip = (bytes) => gzipSync(bytes, { level: 9 }).length;

/** The entries: core, then core + every published backend (found, not listed). */
export function entries() {
  const backends = publishable()
    .map((p) => p.name)
    .filter((n) => n.startsWith('@layers/backend-'));
  return [['@layers/core'], ...backends.map((b) => ['@layers/core', b])];
}

/** Bundles one entry; returns { entry, js, jsGzip, wasmGzip } in bytes. */
export async function measure(specifiers) {
  const contents = specifiers.map((s) => `export * from '${s}';`).join('\n');
  const result = await build({
    stdin: { contents, resolveDir: join(here, '..'), loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    metafile: true,
  });
  const js = result.outputFiles[0].contents;
  // The kernels a page fetches: the threaded build (the single-thread one is the same size).
  let wasmGzip = 0;
  for (const s of specifiers) {
    const pkg = publishable().find((p) => p.name === s);
    if (pkg?.pkg.exports?.['./kernels.wasm']) {
      wasmGzip += gzip(readFileSync(join(pkg.dir, pkg.pkg.exports['./kernels.wasm'])));
    }
  }
  const inputs = Object.keys(result.metafile.inputs);
  return { entry: specifiers.join(' + '), js: js.length, jsGzip: gzip(js), wasmGzip, inputs };
}

/** Every entry's sizes. */
export async function measureAll() {
  const out = [];
  for (const e of entries()) out.push(await measure(e));
  return out;
}

/** The table, in KB (1000 bytes, as tfjs and jax-js quote theirs). */
export function table(rows) {
  const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
  const lines = ['entry | min | min+gzip | .wasm gzip | total gzip', '--- | --- | --- | --- | ---'];
  for (const r of rows) {
    lines.push(
      `${r.entry} | ${kb(r.js)} | ${kb(r.jsGzip)} | ${r.wasmGzip ? kb(r.wasmGzip) : '-'} | ${kb(r.jsGzip + r.wasmGzip)}`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(table(await measureAll()));
}
