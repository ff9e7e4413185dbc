/** MNIST-style preprocessing of a drawing: fit a 20x20 box, centre the mass, normalise. */
import { describe, expect, it } from 'vitest';
import { MEAN, STD } from '../src/data.js';
import { normalise, toMnist } from '../src/draw.js';

function image(width: number, height: number, fill: (x: number, y: number) => number) {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = fill(x, y);
  return { data, width, height };
}

function stats(out: Float32Array) {
  let mass = 0;
  let cx = 0;
  let cy = 0;
  const rows = new Set<number>();
  const cols = new Set<number>();
  out.forEach((v, i) => {
    if (v <= 0) return;
    mass += v;
    cx += v * (i % 28);
    cy += v * Math.floor(i / 28);
    rows.add(Math.floor(i / 28));
    cols.add(i % 28);
  });
  return { mass, cx: cx / mass, cy: cy / mass, height: rows.size, width: cols.size };
}

describe('toMnist', () => {
  it('returns null for a blank pad', () => {
    expect(toMnist(image(280, 280, () => 0))).toBeNull();
  });

  it('scales the longer side to 20 pixels, keeps the aspect ratio and the ink', () => {
    // A 100 x 200 solid block in a corner: scale 20/200, so 10 x 20 pixels of full ink.
    const out = toMnist(image(280, 280, (x, y) => (x >= 10 && x < 110 && y >= 30 && y < 230 ? 1 : 0)))!;
    const s = stats(out);
    expect(s.height).toBe(20);
    expect(s.width).toBe(10);
    // Area averaging conserves ink: 100*200 source pixels * (20/200)^2 = 200 target pixels.
    expect(s.mass).toBeCloseTo(200, 3);
    // Moved from the corner to the centre of the 28x28 image (centre of mass 13.5 +- 0.5).
    expect(Math.abs(s.cx - 13.5)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(s.cy - 13.5)).toBeLessThanOrEqual(0.5);
  });

  it('centres by mass, not by bounding box', () => {
    // An L shape: heavy bottom bar, so the mass is below the box's centre and moves up to 13.5.
    const out = toMnist(
      image(280, 280, (x, y) => {
        const stem = x >= 100 && x < 120 && y >= 40 && y < 240;
        const foot = x >= 100 && x < 200 && y >= 200 && y < 240;
        return stem || foot ? 1 : 0;
      }),
    )!;
    const s = stats(out);
    expect(Math.abs(s.cx - 13.5)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(s.cy - 13.5)).toBeLessThanOrEqual(0.5);
    expect(s.height).toBe(20);
  });
});

describe('normalise', () => {
  it("uses MNIST's mean and standard deviation", () => {
    const out = normalise(Float32Array.from([0, 1, MEAN]));
    expect(out[0]).toBeCloseTo(-MEAN / STD, 6);
    expect(out[1]).toBeCloseTo((1 - MEAN) / STD, 6);
    expect(out[2]).toBeCloseTo(0, 6);
  });
});
