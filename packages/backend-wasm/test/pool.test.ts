// The worker pool under faults: a worker that dies, one that stops responding inside a
// piece of work, and one that is held up (as a descheduled thread on a busy machine is)
// before it takes any: the calling thread then finishes the work itself.
import * as L from '@layers/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createWasmBackend, type WasmBackend } from '../src/index.js';
import { download, empty, randomData, upload } from './helpers.js';

let prev: L.Backend | null = null;
function use(be: WasmBackend & L.Backend): void {
  prev ??= L.hasBackend() ? L.getBackend() : null;
  L.setBackend(be);
  // Keep every call on the pool's parallel path: after a call the held worker missed, the
  // pace (src/pace.ts) would rightly run the next ones on this thread alone.
  be.pool!.pace.solo = () => false;
}
afterEach(() => {
  if (prev) L.setBackend(prev);
  prev = null;
});

/** A [n, n] @ [n, n] product of ones: every element is exactly n. */
function onesProductIsN(n: number, rows = n): void {
  const c = L.matmul(L.ones([rows, n]), L.ones([n, n]));
  const v = c.dataSync();
  expect(v.length).toBe(rows * n);
  expect(v.every((x) => x === n)).toBe(true);
}

/** Elementwise add, softmax rows and a conv on the backend, each checked against plain JS. */
function kernelsAgreeWithJs(be: WasmBackend & L.Backend): void {
  const n = 1 << 18;
  const ad = randomData(n, 3);
  const bd = randomData(n, 4);
  const a = upload(be, ad, [n]);
  const b = upload(be, bd, [n]);
  const o = empty(be, [n]);
  be.binary('add', a, b, o);
  const sum = download(be, o);
  expect(sum.every((x, i) => x === Math.fround(ad[i] + bd[i]))).toBe(true);
  // Depthwise 3x3 conv of ones with weight 1 over a 64x64 image, padding 0: every output is 9.
  const x = L.ones([4, 16, 64, 64]);
  const w = L.ones([16, 1, 3, 3]);
  const y = L.F.conv2d(x, w, null, { groups: 16 }).dataSync();
  expect(y.length).toBe(4 * 16 * 62 * 62);
  expect(y.every((v) => v === 9)).toBe(true);
}

describe('wasm thread pool', () => {
  it('a worker that died while idle is reported once at the next op, then kernels run on this thread', async () => {
    const be = await createWasmBackend({ threads: 2 });
    try {
      await be.pool!.killWorkerForTest(0);
      const n = 1 << 18;
      const a = be.alloc(n, 'float32');
      const view = { buffer: a, dtype: 'float32' as const, shape: [n], strides: [1], offset: 0 };
      expect(() => be.fill(view, 1)).toThrow(
        /layers wasm: worker 0 exited \(code 1\)\. The backend now runs every kernel on the calling thread.*createWasmBackend\(\)/,
      );
      be.fill(view, 2);
      const back = be.readSync(a, 'float32', n);
      expect(back.every((v) => v === 2)).toBe(true);
    } finally {
      be.destroy();
    }
  });

  it('a worker that stops responding inside a piece is an error within the stall limit, then this thread runs', async () => {
    const be = await createWasmBackend({ threads: 2 });
    try {
      use(be);
      be.pool!.stallLimitMs = 1000;
      // The worker claims a piece of the product and blocks in it (a hang, or a terminated
      // thread whose 'exit' event needs the event loop this call is blocking).
      const a = L.ones([512, 512]);
      const b = L.ones([512, 512]);
      be.pool!.holdWorkerForTest(0, true);
      expect(() => L.matmul(a, b)).toThrow(
        /no progress for 1000 ms \(1 of \d+ pieces did not finish\).*is lost\. The backend now runs every kernel on the calling thread/,
      );
      // Fallen back: the same product, right, on the calling thread.
      onesProductIsN(512, 64);
    } finally {
      be.destroy();
    }
  });

  it('a worker terminated as a matmul starts: no hang; the product is right or the call fails, then this thread runs', async () => {
    const be = await createWasmBackend({ threads: 2 });
    try {
      use(be);
      be.pool!.stallLimitMs = 1000;
      const n = 1024;
      const a = L.ones([n, n]);
      const b = L.ones([n, n]);
      // terminate() stops the worker before or after it claims a piece: before, the calling
      // thread takes every piece and the product is complete; after, that piece never
      // finishes and the stall limit ends the call.
      const killed = be.pool!.killWorkerForTest(0);
      let product: Float32Array | null = null;
      let failure: unknown = null;
      try {
        product = L.matmul(a, b).dataSync() as Float32Array;
      } catch (e) {
        failure = e;
      }
      if (product) expect(product.every((x) => x === n)).toBe(true);
      else expect(String(failure)).toMatch(/no progress for 1000 ms .*is lost\. The backend now runs/);
      await killed;
      // The death is reported once (unless the failed call already did), then all is local.
      if (product)
        expect(() => L.matmul(a, b)).toThrow(/worker 0 exited.*runs every kernel on the calling thread/);
      onesProductIsN(n, 64);
      expect(be.pool!.alive).toBe(false);
    } finally {
      be.destroy();
    }
  });

  it('a worker held up before it takes any piece does not hold up the calls: this thread finishes them', async () => {
    for (const threads of [2, 3]) {
      const be = await createWasmBackend({ threads });
      try {
        use(be);
        // Were a call to wait for the held worker, it would fail after 300 ms of no progress.
        be.pool!.stallLimitMs = 300;
        be.pool!.holdWorkerForTest(0);
        for (let i = 0; i < 3; i++) {
          onesProductIsN(384);
          kernelsAgreeWithJs(be);
        }
        be.pool!.releaseWorkerForTest();
        onesProductIsN(384);
        kernelsAgreeWithJs(be);
        expect(be.pool!.alive).toBe(true);
      } finally {
        be.destroy();
      }
    }
  });

  it('destroy() makes the backend unusable with a clear error', async () => {
    const be = await createWasmBackend({ threads: 2 });
    be.destroy();
    expect(() => be.alloc(1, 'float32')).toThrow(/destroyed/);
  });
});
