/**
 * The drawing pad, and turning a drawing into an MNIST-like input: MNIST digits are scaled
 * to fit a 20x20 box (keeping the aspect ratio), anti-aliased, then placed in 28x28 so
 * their centre of mass is at the centre.
 */
import { IMAGE_SIZE, MEAN, PIXELS, STD } from './data.js';

const BOX = 20;
/**
 * About a tenth of the pad, so a digit's strokes end up 2-3 pixels wide in 28x28 like
 * MNIST's pen; also keeps any stroke's bounding box at least BOX source pixels.
 */
const STROKE = 28;

export class Pad {
  private drawing = false;
  private last: [number, number] | null = null;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    /** Called when a stroke ends. */
    private readonly onStroke: () => void,
  ) {
    this.clear();
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.drawing = true;
      this.last = this.at(e);
      this.segment(this.last, this.last);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this.drawing || !this.last) return;
      const p = this.at(e);
      this.segment(this.last, p);
      this.last = p;
    });
    const end = () => {
      if (!this.drawing) return;
      this.drawing = false;
      this.last = null;
      this.onStroke();
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  /**
   * grey() reads the pixels back after every stroke: willReadFrequently keeps the canvas in
   * CPU memory (Chromium warns about getImageData on a GPU canvas otherwise). It must be on
   * the first getContext call, which creates the context.
   */
  private context(): CanvasRenderingContext2D {
    return this.canvas.getContext('2d', { willReadFrequently: true })!;
  }

  clear(): void {
    const ctx = this.context();
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /** Pointer position in canvas pixels (the canvas may be scaled by CSS). */
  private at(e: PointerEvent): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    return [
      ((e.clientX - r.left) * this.canvas.width) / r.width,
      ((e.clientY - r.top) * this.canvas.height) / r.height,
    ];
  }

  private segment(a: [number, number], b: [number, number]): void {
    const ctx = this.context();
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = STROKE;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a[0], a[1]);
    ctx.lineTo(b[0] + 0.01, b[1]);
    ctx.stroke();
  }

  /** Grey levels in [0, 1], row-major, canvas-sized. */
  grey(): { data: Float32Array; width: number; height: number } {
    const { width, height } = this.canvas;
    const rgba = this.context().getImageData(0, 0, width, height).data;
    const data = new Float32Array(width * height);
    for (let i = 0; i < data.length; i++) data[i] = rgba[i * 4] / 255;
    return { data, width, height };
  }
}

/**
 * 28x28 grey levels in [0, 1] from a larger grey image, MNIST-style; null when blank.
 * Downscaling is an area average: each source pixel adds its share to the target pixel it
 * lands in.
 */
export function toMnist(src: { data: Float32Array; width: number; height: number }): Float32Array | null {
  const { data, width, height } = src;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[y * width + x] > 0.05) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) return null;
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const scale = Math.min(1, BOX / Math.max(w, h));
  const ox = (IMAGE_SIZE - w * scale) / 2;
  const oy = (IMAGE_SIZE - h * scale) / 2;
  const boxed = new Float32Array(PIXELS);
  const share = scale * scale;
  for (let y = y0; y <= y1; y++) {
    const ty = Math.min(IMAGE_SIZE - 1, Math.floor(oy + (y - y0) * scale));
    for (let x = x0; x <= x1; x++) {
      const v = data[y * width + x];
      if (v === 0) continue;
      const tx = Math.min(IMAGE_SIZE - 1, Math.floor(ox + (x - x0) * scale));
      boxed[ty * IMAGE_SIZE + tx] += v * share;
    }
  }
  // Shift (whole pixels, as MNIST did) so the centre of mass sits at the image centre.
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < PIXELS; i++) {
    const v = boxed[i];
    mass += v;
    cx += v * (i % IMAGE_SIZE);
    cy += v * Math.floor(i / IMAGE_SIZE);
  }
  const dx = Math.round((IMAGE_SIZE - 1) / 2 - cx / mass);
  const dy = Math.round((IMAGE_SIZE - 1) / 2 - cy / mass);
  const out = new Float32Array(PIXELS);
  for (let y = 0; y < IMAGE_SIZE; y++) {
    for (let x = 0; x < IMAGE_SIZE; x++) {
      const sx = x - dx;
      const sy = y - dy;
      if (sx >= 0 && sx < IMAGE_SIZE && sy >= 0 && sy < IMAGE_SIZE) {
        out[y * IMAGE_SIZE + x] = Math.min(1, boxed[sy * IMAGE_SIZE + sx]);
      }
    }
  }
  return out;
}

export function normalise(grey: Float32Array): Float32Array {
  return grey.map((v) => (v - MEAN) / STD);
}

/** Paint the 28x28 input onto a 28x28 canvas (shown enlarged by CSS). */
export function showPreview(canvas: HTMLCanvasElement, grey: Float32Array | null): void {
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(IMAGE_SIZE, IMAGE_SIZE);
  for (let i = 0; i < PIXELS; i++) {
    const v = Math.round((grey?.[i] ?? 0) * 255);
    img.data.set([v, v, v, 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
}
