/**
 * A small line chart on a <canvas>: training loss (left axis) and test accuracy (right axis,
 * dashed) against training samples seen, one colour per run. It fills its panel's width and
 * redraws at the device's pixel density whenever its size or the pixel ratio changes.
 */
import { formatTick, niceTicks } from './ticks.js';

export interface Run {
  label: string;
  color: string;
  loss: [number, number][];
  accuracy: [number, number][];
}

const COLORS = ['#3d7bd9', '#d9653d', '#3da66b', '#9b59b6', '#c0392b', '#16a085'];
const PAD = { left: 44, right: 44, bottom: 34 };
const LEGEND_ROW = 18;
/** The loss axis of an empty chart: a 10-class model starts near ln(10) = 2.3. */
const EMPTY_LOSS = 2.5;

export class Chart {
  readonly runs: Run[] = [];
  private pending = false;
  /** CSS pixels; the backing store is that times devicePixelRatio. */
  private size = { width: 0, height: 0 };

  constructor(private readonly canvas: HTMLCanvasElement) {
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.watchPixelRatio();
    this.resize();
  }

  addRun(label: string): Run {
    const run: Run = { label, color: COLORS[this.runs.length % COLORS.length], loss: [], accuracy: [] };
    this.runs.push(run);
    this.update();
    return run;
  }

  /** Coalesce many points per frame into one redraw. */
  update(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  /** Match the backing store to the displayed size at the current pixel ratio, then draw. */
  private resize(): void {
    const ratio = window.devicePixelRatio || 1;
    const width = this.canvas.clientWidth;
    const height = this.canvas.clientHeight;
    if (width === 0 || height === 0) return;
    this.size = { width, height };
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    this.canvas.getContext('2d')!.setTransform(ratio, 0, 0, ratio, 0, 0);
    this.draw();
  }

  /** Moving the window to another screen or zooming changes the ratio, not always the size. */
  private watchPixelRatio(): void {
    const query = matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    query.addEventListener(
      'change',
      () => {
        this.resize();
        this.watchPixelRatio();
      },
      { once: true },
    );
  }

  draw(): void {
    const ctx = this.canvas.getContext('2d')!;
    const { width, height } = this.size;
    if (width === 0) return;
    ctx.clearRect(0, 0, width, height);
    ctx.font = '12px system-ui, sans-serif';
    const top = this.legend(ctx, width) + 20;
    const w = width - PAD.left - PAD.right;
    const h = height - top - PAD.bottom;
    const xs = this.runs.flatMap((r) => [...r.loss, ...r.accuracy].map(([x]) => x));
    const empty = xs.length === 0;
    const losses = this.runs.flatMap((r) => r.loss.map(([, y]) => y));
    const lossTicks = niceTicks(losses.length ? Math.max(...losses) : EMPTY_LOSS);
    const maxLoss = lossTicks.at(-1)!;
    const xTicks = empty ? [] : niceTicks(Math.max(...xs), Math.max(2, Math.floor(w / 90)));
    const maxX = xTicks.at(-1) ?? 1;
    const px = (x: number) => PAD.left + (x / maxX) * w;
    const pyLoss = (y: number) => top + h - (y / maxLoss) * h;
    const pyAcc = (a: number) => top + h - a * h;

    // Grid on the loss ticks, accuracy labels in quarters, axis titles.
    ctx.strokeStyle = '#e3e6ea';
    ctx.fillStyle = '#5b6470';
    ctx.lineWidth = 1;
    ctx.setLineDash([]);
    const lossStep = lossTicks[1] - lossTicks[0];
    for (const t of lossTicks) {
      const y = pyLoss(t);
      ctx.beginPath();
      ctx.moveTo(PAD.left, y);
      ctx.lineTo(PAD.left + w, y);
      ctx.stroke();
      ctx.textAlign = 'right';
      ctx.fillText(formatTick(t, lossStep), PAD.left - 6, y + 4);
    }
    ctx.textAlign = 'left';
    for (const a of [0, 0.25, 0.5, 0.75, 1]) ctx.fillText(`${a * 100}%`, PAD.left + w + 6, pyAcc(a) + 4);
    ctx.textAlign = 'center';
    for (const t of xTicks) ctx.fillText(formatTick(t, xTicks[1] - xTicks[0]), px(t), top + h + 15);
    ctx.fillText('training samples seen', PAD.left + w / 2, height - 6);
    if (empty) {
      ctx.fillStyle = '#8a929c';
      ctx.fillText('Loss and test accuracy appear here while a model trains.', PAD.left + w / 2, top + h / 2);
      ctx.fillStyle = '#5b6470';
    }
    ctx.textAlign = 'left';
    ctx.fillText('loss (solid)', 4, top - 8);
    ctx.textAlign = 'right';
    ctx.fillText('test accuracy (dashed)', width - 4, top - 8);

    for (const run of this.runs) {
      ctx.strokeStyle = run.color;
      ctx.lineWidth = 2;
      ctx.setLineDash([]);
      line(
        ctx,
        run.loss.map(([x, y]) => [px(x), pyLoss(y)]),
      );
      ctx.setLineDash([6, 4]);
      line(
        ctx,
        run.accuracy.map(([x, a]) => [px(x), pyAcc(a)]),
      );
      ctx.setLineDash([]);
      ctx.fillStyle = run.color;
      for (const [x, a] of run.accuracy) {
        ctx.beginPath();
        ctx.arc(px(x), pyAcc(a), 3, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
  }

  /** One swatch and label per run, wrapping into rows; returns the height used. */
  private legend(ctx: CanvasRenderingContext2D, width: number): number {
    let x = 4;
    let y = 4;
    ctx.textAlign = 'left';
    for (const run of this.runs) {
      const last = run.accuracy.at(-1);
      const text = last ? `${run.label}: ${(last[1] * 100).toFixed(1)}%` : run.label;
      const span = 16 + ctx.measureText(text).width + 20;
      if (x > 4 && x + span > width) {
        x = 4;
        y += LEGEND_ROW;
      }
      ctx.fillStyle = run.color;
      ctx.fillRect(x, y + 2, 12, 10);
      ctx.fillStyle = '#1d232b';
      ctx.fillText(text, x + 16, y + 11);
      x += span;
    }
    return y + LEGEND_ROW;
  }
}

function line(ctx: CanvasRenderingContext2D, points: [number, number][]): void {
  if (points.length === 0) return;
  ctx.beginPath();
  ctx.moveTo(points[0][0], points[0][1]);
  for (const [x, y] of points.slice(1)) ctx.lineTo(x, y);
  ctx.stroke();
}
