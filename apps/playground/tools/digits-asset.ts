/**
 * The digit payload: the `mnist` package's ten JSON files (about 21 MB of decimal text) packed
 * into one gzip'd binary of uint8 grey levels (about 1.6 MB), built by Vite, not committed.
 * The page inflates it itself (src/data.ts), so it is served as plain bytes.
 *
 * The JSON holds k / 255 rounded to three decimals, so the byte k is lossless: the page's
 * decoder (src/digits.ts) restores exactly the numbers the JSON gives. Layout before gzip:
 * ten little-endian uint32 image counts (class 0 first), then every class's pixels in order.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';
import { CLASSES, DIGITS_FILE, HEADER_BYTES, PIXELS } from '../src/digits.js';

/** The grey levels of one class, as the mnist package's JSON has them. */
export function readClassJson(digit: number): number[] {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  return (JSON.parse(readFileSync(join(dir, `${digit}.json`), 'utf8')) as { data: number[] }).data;
}

/** Pack every class into the binary layout above (not yet compressed). Throws on a lossy value. */
export function packDigits(
  classes: number[][] = Array.from({ length: CLASSES }, (_, d) => readClassJson(d)),
): Uint8Array {
  const total = classes.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(HEADER_BYTES + total);
  const header = new DataView(out.buffer);
  let offset = HEADER_BYTES;
  classes.forEach((values, d) => {
    if (values.length % PIXELS !== 0)
      throw new Error(`digits: class ${d} has ${values.length} values, not a multiple of ${PIXELS}`);
    header.setUint32(4 * d, values.length / PIXELS, true);
    for (const v of values) {
      const k = Math.round(v * 255);
      if (Math.round((k / 255) * 1000) / 1000 !== v)
        throw new Error(`digits: class ${d} value ${v} is not k/255 to 3 decimals`);
      out[offset++] = k;
    }
  });
  return out;
}

/** The compressed payload the page fetches. */
export function digitsPayload(): Buffer {
  // Level 6: within 1% of level 9's size at a third of the build time.
  return gzipSync(packDigits(), { level: 6 });
}

/** Serves the payload in `vite dev` and emits it next to index.html in `vite build`. */
export function digitsAsset(): Plugin {
  let payload: Buffer | undefined;
  const get = () => {
    payload ??= digitsPayload();
    return payload;
  };
  return {
    name: 'layers-digits',
    configureServer(server) {
      server.middlewares.use(`/${DIGITS_FILE}`, (_req, res) => {
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(get());
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: DIGITS_FILE, source: get() });
    },
  };
}
