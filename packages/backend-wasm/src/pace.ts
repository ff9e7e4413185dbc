/**
 * When threads cost more than they give. On a machine with more runnable threads than cores,
 * a worker can be descheduled in the middle of a piece it claimed, and the calling thread
 * then waits for it, for a scheduler time slice (milliseconds), while it could have done the
 * whole call alone in less. Each parallel call compares what it took with what this thread
 * alone would have taken (its own pieces' time, scaled to all pieces); after a call that
 * lost, the pool runs calls on the calling thread alone for a while, twice as long after
 * each further loss (4 ms up to 256 ms), and shorter again after calls that gained.
 */

const FIRST_MS = 4;
const MAX_MS = 256;

/** @internal */
export class Pace {
  /** Length of the next solo stretch after a loss, in ms (0: none lost lately). */
  backoffMs = 0;
  private soloUntil = 0;

  /** True while calls should run on the calling thread alone. */
  solo(now = performance.now()): boolean {
    return now < this.soloUntil;
  }

  /**
   * One parallel call: `ownMs` spent running the calling thread's `mine` pieces of
   * `pieces`, `tookMs` from its first claim until every piece was done.
   */
  record(ownMs: number, tookMs: number, mine: number, pieces: number, now = performance.now()): void {
    // Without pieces of its own or of others' the call says nothing about the gain.
    if (mine === 0 || mine === pieces) return;
    const alone = (ownMs / mine) * pieces;
    if (tookMs > alone) {
      this.backoffMs = this.backoffMs === 0 ? FIRST_MS : Math.min(MAX_MS, 2 * this.backoffMs);
      this.soloUntil = now + this.backoffMs;
    } else if (tookMs < 0.8 * alone) {
      this.backoffMs = this.backoffMs <= FIRST_MS ? 0 : this.backoffMs / 2;
    }
  }
}
