/**
 * Layout of the shared control block between the calling thread and the workers.
 * Int32 slots of `ctrl`; kernel arguments travel in a separate Float64Array, and the claim
 * word (below) in a BigUint64Array of its own.
 *
 * A parallel call is split into `pieces` ranges of `grain` elements. Every thread, the
 * calling one included, claims pieces one at a time from the claim word until none are left,
 * so a thread that gets less CPU (a busy machine) simply runs fewer of them, and the caller
 * waits only for pieces some thread has already started, never for a worker that has not
 * woken up yet.
 */
export const C_GEN = 0; // incremented once per parallel call; workers wait on it
export const C_FIN = 1; // pieces of the current call finished (by any thread)
export const C_ERR = 2; // 1 + index of a worker whose kernel threw (0 = none)
export const C_KERNEL = 3; // index into the kernel name table
export const C_NARGS = 4;
export const C_TOTAL = 5; // size of the range split between threads
export const C_NT = 6; // threads the call was sized for (calling thread included); workers woken
export const C_PIECES = 7; // pieces the range is split into
export const C_STOP = 8; // non-zero: workers exit their loop
export const C_GRAIN = 9; // elements per piece (the last one may be shorter)
export const C_HOLD = 10; // test hook: 1 + index of a worker to hold up (0 = none)
export const C_PARK = 11; // non-zero: idle workers sleep now instead of polling for the next call
export const C_HOLD_INSIDE = 12; // test hook: hold the worker inside its first piece, not before claiming
export const C_HELD = 13; // test hook: the held worker is blocked now
export const C_DEAD = 16; // C_DEAD + i: worker i announced its own death
export const CTRL_INTS = 64;
export const MAX_ARGS = 32;

/**
 * The claim word: (generation << 32) | next piece. A claim is a compare-exchange that only
 * succeeds while the word still carries the caller's generation, so a worker that read a
 * call's arguments and was then descheduled past the end of that call can never take a
 * piece of a later call with stale arguments (32 bits of generation cannot wrap meanwhile).
 * worker.ts repeats this function in its source text; keep the two in sync.
 */
export function claimPiece(word: BigUint64Array, gen: number, pieces: number): number {
  const g = BigInt(gen >>> 0);
  for (;;) {
    const w = Atomics.load(word, 0);
    if (w >> 32n !== g) return -1;
    const i = Number(w & 0xffffffffn);
    if (i >= pieces) return -1;
    if (Atomics.compareExchange(word, 0, w, w + 1n) === w) return i;
  }
}

/** The claim word's value at the start of generation `gen`: no piece taken. */
export function claimStart(gen: number): bigint {
  return BigInt(gen >>> 0) << 32n;
}
