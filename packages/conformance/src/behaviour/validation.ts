/**
 * Input validation of every nn class and of F: a value that is not a tensor, undefined, an
 * extra positional input, an unknown constructor or forward option, a wrong rank or dtype
 * are each an error naming the module (or function) and the problem, never a JavaScript
 * "x._check is not a function", a silently ignored option or a silent NaN.
 *
 * The class list is enumerated from L.nn, so a new module without an entry here fails.
 */
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { check, expectThrows, type SuiteContext } from './context.js';
import { BOGUS, type Case, type Entry, f, int, LAYER_ENTRIES, nn } from './validation-table.js';
import { MORE_ENTRIES } from './validation-table-more.js';
import { CONTAINERS, SEQ_ENTRIES } from './validation-table-seq.js';
import { SHAPE_ENTRIES } from './validation-table-shape.js';

const ENTRIES: Record<string, Entry> = {
  ...LAYER_ENTRIES,
  ...SEQ_ENTRIES,
  ...MORE_ENTRIES,
  ...SHAPE_ENTRIES,
};

/** Every class exported from nn that is a Module subclass. */
function moduleClasses(): string[] {
  return Object.entries(nn)
    .filter(
      ([, v]) => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof nn.Module,
    )
    .map(([k]) => k)
    .sort();
}

/** The generic wrong inputs every entry gets, then its own. */
function casesFor(name: string, e: Entry): Case[] {
  const m = e.make();
  const good = e.inputs();
  const out: Case[] = [
    [
      'a plain array',
      () => m.forward([1, 2, 3], ...good.slice(1)),
      `${name}: expected `,
      'to be a Tensor, got a JavaScript array of length 3',
    ],
    [
      'undefined',
      () => m.forward(undefined, ...good.slice(1)),
      `${name}: expected `,
      'to be a Tensor, got undefined',
    ],
    [
      'an extra positional input',
      () => {
        const all = [...good, ...new Array(Math.max((e.arity ?? 0) - good.length, 0)).fill(null)];
        return m.forward(...all, ...(e.forwardOptions ? [{}] : []), f(1));
      },
      `${name}: forward takes ${e.arity ?? good.length} input`,
      '1 too many',
    ],
  ];
  if (!e.noCtorOptions)
    out.push(['an unknown constructor option', () => e.make(BOGUS), `${name}: unknown option 'bogusOption'`]);
  return [...out, ...(e.cases?.(m) ?? [])];
}

/** Each case must throw an error mentioning all its fragments; a failure names the case. */
function runCases(name: string, cases: Case[]): void {
  for (const [what, run, ...fragments] of cases) {
    try {
      expectThrows(run, ...fragments);
    } catch (err) {
      throw new Error(`${name} given ${what}: ${(err as Error).message}`);
    }
  }
}

export function validationBehaviour(ctx: SuiteContext): void {
  describe('validation', () => {
    const c = (title: string, fn: () => Promise<void> | void) => check(ctx, 'validation', title, fn);

    c('every nn class has validation cases', () => {
      const covered = new Set([...Object.keys(ENTRIES), ...Object.keys(CONTAINERS)]);
      const classes = moduleClasses();
      expect(classes.length).toBeGreaterThan(80);
      expect(classes.filter((k) => !covered.has(k))).toEqual([]);
      expect([...covered].filter((k) => !classes.includes(k))).toEqual([]);
    });

    for (const [name, e] of Object.entries(ENTRIES)) {
      c(`${name} accepts its valid inputs and names itself and the problem for wrong ones`, () => {
        L.tidy(() => {
          e.make().forward(...e.inputs()); // the valid call works, so the failures below are the inputs'
          const cases = casesFor(name, e);
          expect(cases.length).toBeGreaterThanOrEqual(4);
          runCases(name, cases);
        });
      });
    }

    for (const [name, cases] of Object.entries(CONTAINERS)) {
      c(`${name} names itself and the problem for wrong inputs`, () => {
        runCases(name, cases());
      });
    }

    c('an error from a composed op keeps the original as its cause', () => {
      const err = expectThrows(
        () => new nn.ReLU6().forward(int(2)),
        'ReLU6: expected a float input, got int32',
      );
      expect(err).toBeInstanceOf(TypeError);
      expect((err.cause as Error).message).toBe('relu6 expected a float input, got int32');
      // Nested modules: the innermost module that failed is named, not the container.
      expectThrows(
        () => new nn.Sequential(new nn.ReLU(), new nn.Softmin({ dim: 2 })).forward(f(2, 3)),
        'Softmin: dimension out of range',
      );
    });

    c(
      'user modules: unchecked unless they declare a signature; overriding forward drops the inherited one',
      () => {
        class Free extends nn.Module {
          forward(a: unknown, b: unknown): unknown {
            return [a, b];
          }
        }
        expect(new Free().forward(1, 2)).toEqual([1, 2]);
        class Declared extends nn.Module {
          static override signature = nn.forwardSignature('x y?', ['scale']);
          forward(x: L.Tensor, _y?: L.Tensor | null, opts: { scale?: number } = {}): L.Tensor {
            return x.mul(opts.scale ?? 1);
          }
        }
        const d: L.nn.Module = new Declared();
        expect(d.forward(f(2), null, { scale: 2 }).shape).toEqual([2]);
        expectThrows(() => d.forward([1]), 'Declared: expected x to be a Tensor, got a JavaScript array');
        expectThrows(() => d.forward(f(2), null, { scal: 2 }), "Declared: unknown option 'scal'", "'scale'");
        // A container passes a user module's error on as it was written.
        class Fails extends nn.Module {
          forward(): never {
            throw new RangeError('myOp: the user wrote this');
          }
        }
        const thrown = expectThrows(
          () => new nn.Sequential(new Fails()).forward(f(1)),
          'myOp: the user wrote this',
        );
        expect(thrown.message).toBe('myOp: the user wrote this');
        // A subclass of a layer with its own forward is not held to the layer's signature.
        class Scaled extends nn.Linear {
          override forward(x: L.Tensor, by?: number): L.Tensor {
            return super.forward(x).mul(by ?? 1);
          }
        }
        expect((new Scaled(3, 2) as L.nn.Module).forward(f(4, 3), 2).shape).toEqual([4, 2]);
      },
    );

    c('a disposed input names the module', () => {
      const x = f(2);
      x.dispose();
      expectThrows(() => new nn.Tanh().forward(x), 'Tanh: Tensor was disposed');
    });

    c(
      'BCELoss and F.binaryCrossEntropy reject inputs outside [0, 1] (at the next readback on async devices)',
      async () => {
        const target = L.tensor([0, 1, 1]);
        const fails = async (fn: () => L.Tensor) => {
          let out: L.Tensor | null = null;
          const run = async () => {
            out = fn();
            await out.data();
          };
          await expect(run()).rejects.toThrow('BCELoss: all elements of input should be between 0 and 1');
          (out as L.Tensor | null)?.dispose();
        };
        await fails(() => new nn.BCELoss().forward(L.tensor([0.5, 1.5, 0.2]), target));
        await fails(() => L.F.binaryCrossEntropy(L.tensor([0.5, -0.1, 0.2]), target));
        await fails(() => L.F.binaryCrossEntropy(L.tensor([0.5, Number.NaN, 0.2]), target));
        // The bounds themselves are valid probabilities (PyTorch clamps the log at -100).
        const ok = L.F.binaryCrossEntropy(L.tensor([0, 1, 1]), target, { reduction: 'sum' });
        expect(Math.abs((await ok.data())[0])).toBe(0);
      },
    );
  });
}
