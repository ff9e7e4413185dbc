/**
 * Runs in Chromium: creates the backend from navigator.gpu and runs a representative set of
 * kernels. The Node side (browser.test.ts) checks the numbers against mathematics.
 */
import { createWebGPUBackend } from '../../src/index.js';
import { inputs } from './inputs.js';

async function run(): Promise<Record<string, number[] | string>> {
  const be = await createWebGPUBackend();
  const view = (buffer: object, dtype: 'float32' | 'int32', shape: number[]) => {
    const strides: number[] = [];
    let s = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      strides[d] = s;
      s *= shape[d];
    }
    return { buffer, dtype, shape, strides, offset: 0 };
  };
  const upload = (values: number[], shape: number[]) => {
    const buf = be.alloc(values.length, 'float32');
    be.write(buf, 'float32', Float32Array.from(values));
    return view(buf, 'float32', shape);
  };
  const out = (shape: number[], dtype: 'float32' | 'int32' = 'float32') =>
    view(
      be.alloc(
        shape.reduce((a, b) => a * b, 1),
        dtype,
      ),
      dtype,
      shape,
    );
  const get = async (v: ReturnType<typeof out>) =>
    Array.from(
      await be.read(
        v.buffer,
        v.dtype,
        v.shape.reduce((a, b) => a * b, 1),
      ),
    );

  const r: Record<string, number[] | string> = {};
  const { a, b, M, K, N, rows, cols } = inputs();
  const ta = upload(a, [1, M, K]);
  const tb = upload(b, [1, K, N]);
  const mm = out([1, M, N]);
  be.matmul(ta, tb, mm);
  r.matmul = await get(mm);

  const x = upload(a.slice(0, rows * cols), [rows, cols]);
  const ex = out([rows, cols]);
  be.unary('exp', x, ex);
  r.exp = await get(ex);
  const sum = out([rows]);
  be.reduce('sum', x, sum, rows, cols);
  r.sum = await get(sum);
  const am = out([rows], 'int32');
  be.reduce('argmax', x, am, rows, cols);
  r.argmax = await get(am);
  const sm = out([rows, cols]);
  be.fused.softmax!(x, sm, rows, cols, false);
  r.softmax = await get(sm);
  const rnd = out([10]);
  be.random('uniform', { key: [1, 2], counter: [3, 4] }, rnd);
  r.uniform = await get(rnd);
  await be.sync();
  r.subgroups = String(be.runtime.subgroups);
  be.destroy();
  return r;
}

(window as unknown as { __results: Promise<unknown> }).__results = run().catch(
  (e) => `error: ${e?.message ?? e}`,
);
