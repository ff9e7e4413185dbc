// Post-build step of every published package: the `require` half of its exports map.
//
// The packages are ESM. Node >= 20.19, Bun and Deno can require() an ES module, so the
// CommonJS entry is a one-line stub that requires the ESM build: a CommonJS and an ESM caller
// share one copy of the module (no dual-package hazard, one @layers/core). TypeScript decides
// whether a caller may import a file by the format of the declarations it resolves to, so a
// CommonJS project (module node16, TS1479 otherwise) needs CommonJS-format declarations: the
// .d.ts tree is copied to dist/cjs as .d.cts, relative specifiers rewritten to .cjs.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const dist = join(process.cwd(), 'dist');
const out = join(dist, 'cjs');
rmSync(out, { recursive: true, force: true });

/** Every .d.ts under dir, skipping dist/cjs itself. */
function* declarations(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== out) yield* declarations(path);
    } else if (entry.name.endsWith('.d.ts')) yield path;
  }
}

// `from './x.js'`, `import('./x.js')`, `export * from '../y/index.js'` and a module
// augmentation's `declare module './x.js'` (left as .js it augments the ESM tree's Tensor, and a
// CommonJS caller's Tensor lacks the merged methods): relative only, so package specifiers
// ('@layers/core') still resolve through that package's own `require` map.
const RELATIVE = /((?:from|import|declare module)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\.js\2/g;

let count = 0;
for (const file of declarations(dist)) {
  const rel = relative(dist, file).replace(/\.d\.ts$/, '.d.cts');
  const text = readFileSync(file, 'utf8')
    .replace(RELATIVE, (_m, head, q, spec) => `${head}${q}${spec}.cjs${q}`)
    // The declaration maps point at the .d.ts tree; the copies have none.
    .replace(/\n\/\/# sourceMappingURL=.*$/, '\n');
  mkdirSync(dirname(join(out, rel)), { recursive: true });
  writeFileSync(join(out, rel), text);
  count++;
}
if (count === 0) throw new Error(`cjs-entry: no declarations under ${dist}; run tsc first`);
// One stub per entry point: index, plus any subpath export named as `entry=<path>` (no
// extension, relative to dist), e.g. `entry=behaviour/soak-loops`.
const entries = [
  'index',
  ...process.argv
    .slice(2)
    .filter((a) => a.startsWith('entry='))
    .map((a) => a.slice(6)),
];
for (const entry of entries) {
  const stub = join(out, `${entry}.cjs`);
  const target = relative(dirname(stub), join(dist, `${entry}.js`)).replaceAll('\\', '/');
  mkdirSync(dirname(stub), { recursive: true });
  writeFileSync(
    stub,
    `'use strict';\n// CommonJS entry: require(esm) of the ESM build, so require and import share one module.\nmodule.exports = require('${target.startsWith('.') ? target : `./${target}`}');\n`,
  );
}
