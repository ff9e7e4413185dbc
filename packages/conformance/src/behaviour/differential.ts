/**
 * The seeded differential test: random op programs (see differential/programs.ts) run on the
 * backend and checked against the float64 reference, against the reference backend (cpu)
 * and, for gradients, against finite differences (differential/run.ts). CI runs a fixed seed
 * and a small budget; LAYERS_DIFF_PROGRAMS=2000 (and LAYERS_DIFF_SEED) run more.
 */
import type * as L from '@layers/core';
import { afterAll, beforeAll, describe } from 'vitest';
import { generateProgram } from '../differential/programs.js';
import { runProgram } from '../differential/run.js';
import type { ToleranceTable } from '../tolerances.js';
import { check, type SuiteContext } from './context.js';

/** Programs per backend in CI: a minute or less on the slowest (SwiftShader) backend. */
const DEFAULT_PROGRAMS = 300;
const DEFAULT_SEED = 20261201;

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a non-negative integer, got '${raw}'`);
  return v;
}

/** Register the differential programs (one test each) for the suite's backend. @internal */
export function differentialBehaviour(
  ctx: SuiteContext,
  table: ToleranceTable,
  createReference?: () => Promise<L.Backend>,
): void {
  const count = envInt('LAYERS_DIFF_PROGRAMS', DEFAULT_PROGRAMS);
  const seed = envInt('LAYERS_DIFF_SEED', DEFAULT_SEED);
  describe(`differential (seed ${seed}, ${count} programs)`, () => {
    let reference: L.Backend | null = null;
    beforeAll(async () => {
      if (createReference) reference = await createReference();
    });
    afterAll(async () => {
      await reference?.destroy?.();
    });
    for (let i = 0; i < count; i++) {
      const p = generateProgram(seed, i);
      const title = `#${i} [${p.leaves[0].shape}]${p.special ? ' special' : ''}: ${p.steps.map((s) => s.label).join(' -> ')}`;
      check(
        ctx,
        'differential',
        title,
        async () => {
          const r = await runProgram(p, ctx.backend(), reference, table);
          if (!r.ok) throw new Error(`program ${i} (seed ${seed}): ${title}\n  ${r.messages.join('\n  ')}`);
        },
        p.large ? 60_000 : 20_000,
      ); // 70,000-element programs evaluate the float64 reference too
    }
  });
}
