/** A one-line progress bar: redrawn in place on a terminal, printed at 25% steps otherwise. */
export class Progress {
  private readonly start = performance.now();
  private lastQuarter = -1;
  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {}

  update(done: number, samples: number, loss: number): void {
    const elapsed = (performance.now() - this.start) / 1000;
    const rate = samples / Math.max(elapsed, 1e-9);
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : 0;
    const width = 24;
    const filled = Math.round((done / this.total) * width);
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} loss ${loss.toFixed(4)} ${rate.toFixed(0)} samples/s ETA ${eta.toFixed(0)}s`;
    if (this.out.isTTY) {
      this.out.write(`\r${line}`);
      if (done === this.total) this.out.write('\n');
    } else {
      const quarter = Math.floor((done / this.total) * 4);
      if (quarter !== this.lastQuarter) {
        this.lastQuarter = quarter;
        this.out.write(`${line}\n`);
      }
    }
  }
}
