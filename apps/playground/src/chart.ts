/**
 * A small line chart on a <canvas>: training loss (left axis) and test accuracy (right axis,
 * dashed) against training samples seen, one colour per run.
 */
export interface Run {
  label: string;
  color: string;
  loss: [number, number][];
  accuracy: [number, number][];
}

const COLORS = ['#3d7bd9', '#d9653d', '#3da66b', '#9b59b6', '#c0392b', '#16a085'];
const PAD = { left: 48, right: 52, bottom: 30 };
const LEGEND_ROW = 16;

export class Chart {
  readonly runs: Run[] = [];
  private pending = false;
  /** CSS pixels; the backing store is scaled by devicePixelRatio. */
  private readonly size: { width: number; height: number };

  constructor(private readonly canvas: HTMLCanvasElement) {
    // Draw at the device's pixel density so lines stay sharp.
    const ratio = window.devicePixelRatio || 1;
    const { width, height } = canvas;
    canvas.style.aspectRatio = `${width} / ${height}`;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    canvas.getContext('2d')!.scale(ratio, ratio);
    this.size = { width, height };
    this.draw();
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

  draw(): void {
    const ctx = this.canvas.getContext('2d')!;
    const { width, height } = this.size;
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px system-ui, sans-serif';
    const top = this.legend(ctx, width) + 18;
    const w = width - PAD.left - PAD.right;
    const h = height - top - PAD.bottom;
    const maxX = Math.max(1, ...this.runs.flatMap((r) => [...r.loss, ...r.accuracy].map(([x]) => x)));
    const maxLoss = Math.max(0.5, ...this.runs.flatMap((r) => r.loss.map(([, y]) => y)));
    const px = (x: number) => PAD.left + (x / maxX) * w;
    const pyLoss = (y: number) => top + h - (y / maxLoss) * h;
    const pyAcc = (a: number) => top + h - a * h;

    // Grid, axes and their titles.
    ctx.strokeStyle = '#e3e6ea';
    ctx.fillStyle = '#5b6470';
    ctx.lineWidth = 1;
    ctx.setLineDash([]);
    for (let i = 0; i <= 4; i++) {
      const y = top + (h * i) / 4;
      ctx.beginPath();
      ctx.moveTo(PAD.left, y);
      ctx.lineTo(PAD.left + w, y);
      ctx.stroke();
      ctx.textAlign = 'right';
      ctx.fillText(((maxLoss * (4 - i)) / 4).toFixed(2), PAD.left - 6, y + 4);
      ctx.textAlign = 'left';
      ctx.fillText(`${(100 - 25 * i).toFixed(0)}%`, PAD.left + w + 6, y + 4);
    }
    ctx.textAlign = 'center';
    ctx.fillText('training samples seen', PAD.left + w / 2, height - 8);
    ctx.fillText(`${maxX}`, PAD.left + w, top + h + 14);
    ctx.fillText('0', PAD.left, top + h + 14);
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
