/**
 * Faults of issue 15: each used to fail silently, hang, or fail with a backend's internal
 * message; each must now give the error that names what happened (or work), on every backend.
 */
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { check, expectThrows, type SuiteContext, values } from './context.js';

/**
 * Run `fn` and read its result back: a synchronous backend throws in `fn`, an asynchronous
 * one at the readback (core's device-side check). Returns the error, which must exist.
 */
async function errorOf(fn: () => L.Tensor): Promise<Error> {
  try {
    const t = fn();
    await t.data();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error; the op and its readback succeeded');
}

/** Run `fn`, read its result, and expect an index error naming every fragment (sync or at readback). */
export async function expectIndexError(fn: () => L.Tensor, ...fragments: string[]): Promise<void> {
  const err = await errorOf(fn);
  for (const f of fragments) expect(err.message).toContain(f);
  // Nothing is left queued: the next readback of a valid tensor succeeds.
  expect(await values(L.ones([1]))).toEqual([1]);
}

export function faultBehaviour(ctx: SuiteContext): void {
  describe('faults', () => {
    const c = (title: string, fn: () => Promise<void> | void) => check(ctx, 'faults', title, fn);

    c('an unsupported dtype is one clear error from core, before the backend sees it', () => {
      const bad = 'float64' as L.DType;
      const msg = "unsupported dtype 'float64'; layers supports float32, float16, bfloat16, int32, bool";
      expectThrows(() => L.tensor([1, 2], { dtype: bad }), `tensor: ${msg}`);
      expectThrows(() => L.zeros([2], { dtype: bad }), `full: ${msg}`);
      expectThrows(() => L.arange(3, undefined, undefined, { dtype: bad }), `arange: ${msg}`);
      expectThrows(() => L.ones([2]).cast(bad), `cast: ${msg}`);
      expectThrows(() => L.randint(0, 3, [2], { dtype: bad }), `randint: ${msg}`);
    });

    c('noGrad and enableGrad refuse an async function before running it', async () => {
      const w = L.ones([2]).requiresGrad_();
      let ran = false;
      let after: L.Tensor | null = null;
      const err = expectThrows(
        () =>
          L.noGrad(async () => {
            ran = true;
            await Promise.resolve();
            after = w.mul(2); // would record a graph: the mode is gone after the await
          }),
        'noGrad: the function must be synchronous (got an async function)',
        'cannot hold across an await',
      );
      expect(err).toBeInstanceOf(TypeError);
      expect(ran).toBe(false);
      expectThrows(() => L.enableGrad(async () => 1), 'enableGrad: the function must be synchronous');
      // The sync form holds for its whole body; a plain function may return a readback.
      expect(L.noGrad(() => w.mul(2)).requiresGrad).toBe(false);
      const read = L.noGrad(() => w.mul(3).data());
      expect(Array.from(await read)).toEqual([3, 3]);
      expect(after).toBeNull();
      w.dispose();
    });

    c('a leaf disposed before backward is an error naming it; no other leaf gets a gradient', () => {
      const a = L.ones([2, 3]).requiresGrad_();
      const b = L.ones([3]).requiresGrad_();
      const loss = a.mul(b).sum();
      a.dispose();
      expectThrows(
        () => loss.backward(),
        `leaf tensor #${a.id} (shape [2, 3], float32, requiresGrad) was disposed`,
      );
      expect(b.grad).toBeNull();
      b.dispose();
      loss.dispose();
    });

    c('backward leaves nothing alive once the program disposed what it holds (no GC)', () => {
      const live = () => L.memory().byBackend[ctx.backend().name]?.tensors ?? 0;
      const before = live();
      const held: L.Tensor[] = [];
      const k = (t: L.Tensor) => {
        held.push(t);
        return t;
      };
      L.manualSeed(5);
      const x = k(L.randn([3, 4]).requiresGrad_());
      const w = k(L.randn([4, 5]).requiresGrad_());
      const h = k(k(x.matmul(w)).tanh());
      const r = k(h.div(k(k(h.square()).add(1))));
      const a = k(k(r.logsumexp(1)).sub(k(x.var(1))));
      const b = k(k(L.F.logSoftmax(r, 1)).sum(1));
      const loss = k(k(k(L.F.softmax(a, 0)).mul(b)).mean());
      loss.backward();
      expect(x.grad).not.toBeNull();
      for (const t of held) t.dispose(); // disposing a leaf disposes its grad too
      expect(live()).toBe(before);
    });

    c('dispose() while a readback is pending: the read completes', async () => {
      const t = L.tensor([1, 2, 3]).mul(2);
      const pending = t.data();
      t.dispose();
      expect(Array.from(await pending)).toEqual([2, 4, 6]);
      const v = L.tensor([
        [1, 2],
        [3, 4],
      ]).transpose(0, 1);
      const strided = v.data();
      v.dispose();
      expect(Array.from(await strided)).toEqual([1, 3, 2, 4]);
    });

    c('dispose() right after queueing an op on a tensor: the op still sees its values', async () => {
      const x = L.tensor([1, 2, 3]);
      const y = x.add(1);
      x.dispose();
      const z = L.tensor([5, 6, 7]); // may reuse x's buffer
      expect(await values(y)).toEqual([2, 3, 4]);
      expect(await values(z)).toEqual([5, 6, 7]);
      y.dispose();
      z.dispose();
    });

    c('class targets out of range name the loss, the target and the class count', async () => {
      const logits = L.zeros([2, 3]);
      await expectIndexError(
        () => L.F.crossEntropy(logits, L.tensor([0, 3], { dtype: 'int32' })),
        'CrossEntropyLoss: target 3 is out of bounds for 3 classes',
      );
      await expectIndexError(
        () => L.F.nllLoss(logits, L.tensor([-1, 0], { dtype: 'int32' })),
        'NLLLoss: target -1 is out of bounds for 3 classes',
      );
      await expectIndexError(
        () => new L.nn.CrossEntropyLoss().forward(logits, L.tensor([-2, 1], { dtype: 'int32' })),
        'CrossEntropyLoss: target -2 is out of bounds for 3 classes',
      );
      // ignoreIndex is not out of range.
      const ok = L.F.crossEntropy(logits, L.tensor([-100, 1], { dtype: 'int32' }));
      expect((await values(ok))[0]).toBeCloseTo(Math.log(3), 5);
    });

    c('embedding and gather indices out of range name the op, the index and the bound', async () => {
      const emb = new L.nn.Embedding(4, 2);
      await expectIndexError(
        () => emb.forward(L.tensor([1, -1], { dtype: 'int32' })),
        'Embedding: index -1 is out of range for an embedding table with 4 rows',
      );
      await expectIndexError(
        () => emb.forward(L.tensor([4, 0], { dtype: 'int32' })),
        'Embedding: index 4 is out of range for an embedding table with 4 rows',
      );
      await expectIndexError(
        () => L.ones([2, 3]).gather(1, L.tensor([[0], [7]], { dtype: 'int32' })),
        'gather: index 7 is out of bounds for dimension with size 3',
      );
    });
  });
}
