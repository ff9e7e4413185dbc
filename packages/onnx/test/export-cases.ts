/**
 * The export test table's shared pieces: the Case type and input builders. The cases are in
 * export-cases-layers.ts and export-cases-seq.ts; export-modules.test.ts runs them and
 * export-errors.test.ts checks every class exported by nn has a case or a refusal.
 */
import { fromTypedArray, nn, randn, type Tensor } from '@layers/core';
import type { ExportOptions } from '../src/index.js';
import type { MakeArgs, Tolerance } from './export-helpers.js';

/** One export case. */
export interface Case {
  /** The nn class it covers. */
  cls: string;
  label?: string;
  make: () => nn.Module;
  args: MakeArgs;
  opts?: ExportOptions & { sizes?: number[]; tol?: Tolerance };
}

export const batch0 = { input: [0] };
/** One input [n, ...rest] with a dynamic batch axis. */
export const x =
  (...rest: number[]) =>
  (n: number) => [randn([n, ...rest])];
/** Scaled so saturating activations see both regimes. */
export const xs =
  (scale: number, ...rest: number[]) =>
  (n: number) => [randn([n, ...rest]).mul(scale)];

export const conv = (cls: string, label: string, make: () => nn.Module, ...rest: number[]): Case => ({
  cls,
  label,
  make,
  args: x(...rest),
  opts: { dynamicAxes: batch0 },
});

/** Random non-trivial affine parameters and running statistics (fresh layers have 1s and 0s). */
export function randomized<M extends nn.Module>(m: M): M {
  for (const [name, t] of [...m.namedParameters(), ...m.namedBuffers()]) {
    if (t.dtype !== 'float32') continue;
    if (name.endsWith('running_var')) nn.init.uniform_(t, 0.5, 2);
    else nn.init.normal_(t, 0, 0.5);
  }
  return m;
}

/** Bool [rows, cols]: true where col > row (PyTorch's "masked out" causal mask). */
export function causalBool(rows: number, cols: number): Tensor {
  const d = new Uint8Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) d[i * cols + j] = j > i ? 1 : 0;
  return fromTypedArray(d, [rows, cols]);
}
/** Bool [n, s] key padding: the last key of every other sequence is padding. */
export function padding(n: number, s: number): Tensor {
  const d = new Uint8Array(n * s);
  for (let b = 0; b < n; b += 2) d[b * s + s - 1] = 1;
  return fromTypedArray(d, [n, s]);
}
