/**
 * Layout of the shared control block between the calling thread and the workers.
 * Int32 slots of `ctrl`; kernel arguments travel in a separate Float64Array.
 */
export const C_GEN = 0; // incremented once per parallel call; workers wait on it
export const C_DONE = 1; // workers that finished the current call
export const C_ERR = 2; // 1 + index of a worker whose kernel threw (0 = none)
export const C_KERNEL = 3; // index into the kernel name table
export const C_NARGS = 4;
export const C_TOTAL = 5; // size of the range split between threads
export const C_NT = 6; // threads taking part (calling thread included)
export const C_ALIGN = 7; // chunk boundaries are multiples of this
export const C_STOP = 8; // non-zero: workers exit their loop
export const C_GRAIN = 9; // > 0: threads take grain-sized pieces from C_NEXT instead of fixed chunks
export const C_NEXT = 10; // start of the next unclaimed piece (atomic)
export const C_PARK = 11; // non-zero: idle workers sleep now instead of polling for the next call
export const C_DEAD = 16; // C_DEAD + i: worker i announced its own death
export const CTRL_INTS = 64;
export const MAX_ARGS = 32;

/** Start of thread t's share of [0, total) among nt threads; identical on every side. */
export function chunkStart(t: number, nt: number, total: number, align: number): number {
  if (t >= nt) return total;
  const raw = Math.floor((total * t) / nt);
  return Math.min(total, Math.floor(raw / align) * align);
}
