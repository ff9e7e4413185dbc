/**
 * Layout helpers shared by every backend's strided loops (and core's expression dispatch):
 * coalescing merges adjacent dims where every operand is dense across them, so a contiguous
 * or simply broadcast operand set becomes one long row and a kernel's loop nest stays short.
 */

/** A shape with size-1 dims dropped and mergeable neighbours merged, and each operand's strides over it. */
export interface Coalesced {
  /** The coalesced shape (no dim of size 1; empty for a single element). */
  readonly shape: number[];
  /** strides[j] are operand j's strides over `shape`. */
  readonly strides: number[][];
}

/**
 * Coalesce `shape` for operands with the given strides: dims of size 1 go, and dim d merges
 * into the dim before it when, for every operand, stepping the earlier dim once equals
 * stepping dim d across its whole extent.
 */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): Coalesced {
  const k = strides.length;
  const sh: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = sh.length - 1;
    let merge = last >= 0;
    for (let j = 0; j < k && merge; j++) {
      if (st[j][last] !== strides[j][d] * shape[d]) merge = false;
    }
    if (merge) {
      sh[last] *= shape[d];
      for (let j = 0; j < k; j++) st[j][last] = strides[j][d];
    } else {
      sh.push(shape[d]);
      for (let j = 0; j < k; j++) st[j].push(strides[j][d]);
    }
  }
  return { shape: sh, strides: st };
}
