/**
 * When threads cost more than they give. On a machine with more runnable threads than cores,
 * a worker can be descheduled in the middle of a piece it claimed, and the calling thread
 * then waits for it, for a scheduler time slice (milliseconds), while it could have done the
 * whole call alone in less; and a worker woken for a call that it reaches only after the
 * calling thread did every piece costs the wake-up (and often a preemption of the calling
 * thread) for nothing. Each parallel call is compared with what this thread alone would have
 * taken (its own pieces' time, scaled to all pieces). After a call that lost, or one whose
 * workers did not show up within LATE_MS (far longer than a wake-up takes on an idle core),
 * the pool runs calls on the calling thread alone for a while, twice as long after each
 * further loss (4 ms up to 256 ms), and shorter again after calls that gained.
 */

const FIRST_MS = 4;
const MAX_MS = 256;
/** Workers that take no piece of a call this long are descheduled, not just waking up. */
const LATE_MS = 0.5;

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
    // The workers took every piece: this thread came late, which says nothing about them.
    if (mine === 0) return;
    const alone = (ownMs / mine) * pieces;
    if (mine === pieces ? ownMs > LATE_MS : tookMs > alone) {
      this.backoffMs = this.backoffMs === 0 ? FIRST_MS : Math.min(MAX_MS, 2 * this.backoffMs);
      this.soloUntil = now + this.backoffMs;
    } else if (mine < pieces && tookMs < 0.8 * alone) {
      this.backoffMs = this.backoffMs <= FIRST_MS ? 0 : this.backoffMs / 2;
    }
  }
}
