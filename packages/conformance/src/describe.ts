/**
 * describeConformance: registers the whole suite (every PyTorch fixture case plus the
 * behaviour tests) for one backend, and writes the coverage matrix when it is done.
 */
import * as L from '@layers/core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ampBehaviour } from './behaviour/amp.js';
import { autogradBehaviour } from './behaviour/autograd.js';
import { autogradHigherBehaviour } from './behaviour/autograd-higher.js';
import { checkpointBehaviour } from './behaviour/checkpoints.js';
import type { SuiteContext } from './behaviour/context.js';
import { differentialBehaviour } from './behaviour/differential.js';
import { errorBehaviour } from './behaviour/errors.js';
import { expressionBehaviour } from './behaviour/expression.js';
import { faultBehaviour } from './behaviour/faults.js';
import { halfBehaviour } from './behaviour/half.js';
import { indexOpsBehaviour } from './behaviour/index-ops.js';
import { lossBehaviour } from './behaviour/loss.js';
import { memoryBehaviour } from './behaviour/memory.js';
import { nnBasicBehaviour } from './behaviour/nn-basic.js';
import { nnMoreBehaviour } from './behaviour/nn-more.js';
import { nnSeqBehaviour } from './behaviour/nn-seq.js';
import { optimBehaviour } from './behaviour/optim.js';
import { poolFusedBehaviour } from './behaviour/pool-fused.js';
import { profileBehaviour } from './behaviour/profile.js';
import { randomBehaviour } from './behaviour/random.js';
import { randomOpsBehaviour } from './behaviour/random-ops.js';
import { readbackBehaviour } from './behaviour/readback.js';
import { rnnCellBehaviour } from './behaviour/rnn-cells.js';
import { stateDictBehaviour } from './behaviour/state-dict.js';
import { tensorOpsBehaviour } from './behaviour/tensor-ops.js';
import { validationBehaviour } from './behaviour/validation.js';
import { functionalValidationBehaviour } from './behaviour/validation-functional.js';
import { loadFixtures } from './fixtures.js';
import { MissingApi } from './ops.js';
import { compactSummary, Recorder } from './report.js';
import { runCase } from './runner.js';
import { DEFAULT_TOLERANCES, mergeTolerances, type ToleranceTable } from './tolerances.js';

/** Options of {@link describeConformance}. */
export interface ConformanceOptions {
  /** Per-op, per-dtype overrides of the default tolerance table. */
  tolerances?: Partial<ToleranceTable>;
  /**
   * Names to skip: a fixture family ('linalg'), an op ('matmul'), a case
   * ('linalg/matmul/1d_1d'), or a behaviour group ('behaviour/memory', 'behaviour/gradcheck').
   */
  skip?: string[];
  /**
   * How a child process can create this backend, for the no-tidy memory test when the test
   * process lacks --expose-gc: `import { [factory] } from [specifier]`.
   */
  backendModule?: {
    /** Module to import, e.g. `'@layers/backend-cpu'` or a file URL. */
    specifier: string;
    /** Name of the exported factory, e.g. `'createCpuBackend'`. */
    factory: string;
  };
  /**
   * The backend the differential test compares with op by op (normally the cpu backend);
   * without it the programs are checked against the float64 reference and finite differences only.
   */
  reference?: () => Promise<L.Backend>;
  /**
   * Steps of the no-tidy soak loops (default 1,500). A software device may run fewer: the
   * bound they check (live tensors after warm-up) does not depend on the count.
   */
  soakSteps?: number;
}

/**
 * Register the whole conformance suite as vitest tests for one backend: every PyTorch fixture
 * case plus the behaviour tests (autograd, memory, readback, random, errors, nn layers), and
 * write the backend's report when they finish. Call it at the top level of a test file.
 * `createBackend` is awaited once, in `beforeAll`.
 *
 * @example
 * ```ts
 * // test/conformance.test.ts of a backend package
 * import { describeConformance } from '@layers/conformance';
 * import { createMineBackend } from '../src/index.js';
 *
 * describeConformance('mine', () => createMineBackend(), {
 *   tolerances: { exp: { float32: { atol: 1e-7, rtol: 2.4e-7 } } }, // device exp is 2 ulp
 *   skip: ['behaviour/gradcheck'],
 * });
 * ```
 */
export function describeConformance(
  name: string,
  createBackend: () => Promise<L.Backend>,
  options: ConformanceOptions = {},
): void {
  const table = mergeTolerances(DEFAULT_TOLERANCES, options.tolerances);
  const skip = new Set(options.skip ?? []);
  const isSkipped = (...keys: string[]) => keys.some((k) => skip.has(k));
  const recorder = new Recorder(name);
  let backend: L.Backend | null = null;

  const ctx: SuiteContext = {
    name,
    recorder,
    createBackend,
    isSkipped,
    backendModule: options.backendModule,
    soakSteps: options.soakSteps,
    backend: () => {
      if (!backend) throw new Error('conformance: the backend was not created (beforeAll failed)');
      return backend;
    },
  };

  describe(`conformance: ${name}`, () => {
    beforeAll(async () => {
      backend = await createBackend();
      L.setBackend(backend);
    });

    afterAll(async () => {
      const dir = recorder.write();
      console.log(`${compactSummary(recorder.toJSON())}\n  report: ${dir}/${name}.{json,md}`);
      await backend?.destroy?.();
    });

    for (const file of loadFixtures()) {
      describe(file.family, () => {
        for (const c of file.cases) {
          // A half-ops row is its own matrix row: `add · float16`.
          const row = c.dtype ? `${c.op} · ${c.dtype}` : c.op;
          if (isSkipped(file.family, c.op, c.name, row)) {
            it.skip(c.name, () => {});
            recorder.skip(row);
            continue;
          }
          it(c.name, async (testCtx) => {
            let result: Awaited<ReturnType<typeof runCase>>;
            try {
              result = await runCase(c, table);
            } catch (e) {
              if (e instanceof MissingApi) {
                recorder.missing(row);
                testCtx.skip(e.message);
                return;
              }
              const msg = e instanceof Error ? e.message : String(e);
              recorder.record(row, c.name, {
                ok: false,
                ratio: Number.POSITIVE_INFINITY,
                messages: [`threw: ${msg}`],
              });
              throw e;
            }
            recorder.record(row, c.name, result);
            if (!result.ok) throw new Error(`${c.name}\n  ${result.messages.join('\n  ')}`);
          });
        }
      });
    }

    describe('behaviour', () => {
      autogradBehaviour(ctx);
      autogradHigherBehaviour(ctx);
      memoryBehaviour(ctx);
      readbackBehaviour(ctx);
      randomBehaviour(ctx);
      errorBehaviour(ctx);
      faultBehaviour(ctx);
      nnBasicBehaviour(ctx);
      nnSeqBehaviour(ctx);
      nnMoreBehaviour(ctx);
      rnnCellBehaviour(ctx);
      poolFusedBehaviour(ctx);
      optimBehaviour(ctx);
      lossBehaviour(ctx);
      profileBehaviour(ctx);
      tensorOpsBehaviour(ctx);
      indexOpsBehaviour(ctx);
      randomOpsBehaviour(ctx);
      stateDictBehaviour(ctx);
      checkpointBehaviour(ctx);
      halfBehaviour(ctx);
      ampBehaviour(ctx);
      differentialBehaviour(ctx, table, options.reference);
      expressionBehaviour(ctx, table);
      validationBehaviour(ctx);
      functionalValidationBehaviour(ctx);
    });
  });
}
