/**
 * Random op programs for the differential test: a chain x0 -> step 1 -> ... -> step n, where
 * each step is one op (elementwise with broadcasting, reduction, matmul, view, softmax,
 * conv2d, pool, layerNorm, gather, cat/stack, where) on the previous value and on fresh
 * leaves it asks for. Shapes include size-0 and size-1 dims and 70,000-element tensors;
 * "special" programs put NaN, +-Inf and +-0 into their float leaves. A program is a pure
 * function of its seed: the structure is drawn first, the data later (only when it runs).
 */
import type * as L from '@layers/core';
import { type ND, numelOf } from './ref.js';
import { Rng } from './rng.js';
import { BUILDERS } from './steps.js';

/** How a leaf's data is drawn. @internal */
export type LeafKind = 'float' | 'positive' | 'intexp' | 'index';

/** @internal */
export interface LeafSpec {
  shape: number[];
  kind: LeafKind;
  /** For 'index': values in [0, max). */
  max?: number;
}

/** One op of a program. @internal */
export interface Step {
  /** The op's key in the tolerance table. */
  op: string;
  label: string;
  /** Indices (into Program.leaves) of the fresh leaves this step takes. */
  leaves: number[];
  run(x: L.Tensor, extra: L.Tensor[]): L.Tensor;
  ref(x: ND, extra: ND[]): ND;
  shape: number[];
  /** Terms one forward element accumulates (tolerance scaling, see compare.ts). */
  accum: number;
  /** Terms one gradient element accumulates (broadcast sums, windows, dot products). */
  gradAccum: number;
  /** No gradient flows through (floorDivide): the program's backward stops here. */
  noGrad?: boolean;
}

/** @internal */
export interface Program {
  index: number;
  seed: number;
  special: boolean;
  large: boolean;
  leaves: LeafSpec[];
  steps: Step[];
}

const SPECIALS = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0];

/** The leaves' data, drawn from the program's seed (a second stream, after the structure). @internal */
export function leafData(p: Program): (Float32Array | Int32Array)[] {
  const rng = new Rng(p.seed ^ 0x5bd1e995);
  return p.leaves.map((l) => {
    const n = numelOf(l.shape);
    if (l.kind === 'index') return Int32Array.from({ length: n }, () => rng.int(0, (l.max ?? 1) - 1));
    if (l.kind === 'intexp') return Float32Array.from({ length: n }, () => rng.int(-2, 3));
    if (l.kind === 'positive') return Float32Array.from({ length: n }, () => 0.25 + Math.abs(rng.normal()));
    const scale = rng.pick([0.5, 1, 3]);
    return Float32Array.from({ length: n }, () =>
      p.special && rng.chance(0.08) ? rng.pick(SPECIALS) : rng.normal() * scale,
    );
  });
}

/** Draw program `index` of the run seeded with `seed`. @internal */
export function generateProgram(seed: number, index: number): Program {
  const pseed = (Math.imul(seed, 0x01000193) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  const rng = new Rng(pseed);
  const large = rng.chance(0.05);
  const special = rng.chance(0.3);
  const leaves: LeafSpec[] = [];
  const leaf = (shape: number[], kind: LeafKind = 'float', max?: number) => {
    leaves.push({ shape, kind, max });
    return leaves.length - 1;
  };
  let shape = large ? rng.pick([[70000], [280, 250]]) : randomShape(rng);
  leaf(shape);
  const steps: Step[] = [];
  const count = rng.int(1, 4);
  for (let k = 0; k < count && steps.length < count; k++) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const make = rng.pick(BUILDERS);
      const step = make(rng, shape, leaf, large);
      if (!step) continue;
      steps.push(step);
      shape = step.shape;
      break;
    }
    if (steps[steps.length - 1]?.noGrad) break;
  }
  return { index, seed: pseed, special, large, leaves, steps };
}

function randomShape(rng: Rng): number[] {
  const rank = rng.pick([0, 1, 1, 2, 2, 2, 3, 3, 4]);
  return Array.from({ length: rank }, () => (rng.chance(0.05) ? 0 : rng.chance(0.2) ? 1 : rng.int(2, 6)));
}
