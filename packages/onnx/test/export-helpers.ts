/**
 * Export → run in onnxruntime-node and onnxruntime-web (wasm, in Node) → compare with layers'
 * forward on the cpu backend, at the example batch and at other batch (and sequence) sizes.
 */
import { createCpuBackend } from '@layers/backend-cpu';
import { type DType, manualSeed, type nn, setBackend, type Tensor } from '@layers/core';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { expect } from 'vitest';
import { type ExportOptions, exportModel } from '../src/index.js';

ortWeb.env.wasm.numThreads = 1;

/** Installs the cpu backend once. */
export async function useCpu(): Promise<void> {
  setBackend(await createCpuBackend());
  manualSeed(0);
}

/** Builds the forward arguments for one size (e.g. batch n). */
export type MakeArgs = (n: number) => unknown[];

interface Ort {
  name: string;
  Tensor: typeof ortNode.Tensor;
  InferenceSession: typeof ortNode.InferenceSession;
}
const RUNTIMES: Ort[] = [
  { name: 'onnxruntime-node', Tensor: ortNode.Tensor, InferenceSession: ortNode.InferenceSession },
  {
    name: 'onnxruntime-web',
    Tensor: ortWeb.Tensor as unknown as typeof ortNode.Tensor,
    InferenceSession: ortWeb.InferenceSession as unknown as typeof ortNode.InferenceSession,
  },
];

function isTensor(a: unknown): a is Tensor {
  return !!a && typeof a === 'object' && 'shape' in a && typeof (a as Tensor).data === 'function';
}

/** The tensors of a (nested) argument or output structure, in order. */
export function tensorsOf(a: unknown, acc: Tensor[] = []): Tensor[] {
  if (isTensor(a)) acc.push(a);
  else if (Array.isArray(a)) for (const x of a) tensorsOf(x, acc);
  else if (a && typeof a === 'object') for (const v of Object.values(a)) tensorsOf(v, acc);
  return acc;
}

/** onnxruntime's name for a layers dtype (it has float16, which takes the bits, but no bfloat16). */
function ortType(dtype: DType): 'float32' | 'int32' | 'bool' | 'float16' {
  if (dtype === 'bfloat16') throw new Error('onnxruntime takes no bfloat16 input tensors');
  return dtype;
}

/** Tolerances: float32 forward, different summation order than layers. */
export interface Tolerance {
  atol?: number;
  rtol?: number;
}

/**
 * Exports m on makeArgs(sizes[0]) and checks both runtimes against layers' forward at every
 * size in `sizes` (the first is the example; the others exercise the dynamic axes).
 */
export async function checkExport(
  m: nn.Module,
  makeArgs: MakeArgs,
  opts: ExportOptions & { sizes?: number[]; tol?: Tolerance } = {},
): Promise<Uint8Array> {
  m.eval();
  const sizes = opts.sizes ?? [2, 3];
  const bytes = await exportModel(m, makeArgs(sizes[0]), opts);
  await compareWithRuntimes(bytes, m, makeArgs, sizes, opts.tol);
  return bytes;
}

/** Runs `bytes` in both runtimes at every size and compares with m's forward on the same inputs. */
export async function compareWithRuntimes(
  bytes: Uint8Array,
  m: nn.Module,
  makeArgs: MakeArgs,
  sizes: readonly number[],
  tol?: Tolerance,
): Promise<void> {
  for (const rt of RUNTIMES) {
    const session = await rt.InferenceSession.create(bytes);
    for (const n of sizes) {
      const args = makeArgs(n);
      const expected = tensorsOf(m.forward(...args));
      const inputs = tensorsOf(args);
      const feeds: Record<string, ortNode.Tensor> = {};
      for (let i = 0; i < inputs.length; i++) {
        const t = inputs[i];
        feeds[session.inputNames[i]] = new rt.Tensor(ortType(t.dtype), (await t.data()) as Float32Array, [
          ...t.shape,
        ]);
      }
      const result = await session.run(feeds);
      expect(session.outputNames.length, `${rt.name}: number of outputs`).toBe(expected.length);
      for (let k = 0; k < expected.length; k++) {
        const got = result[session.outputNames[k]];
        const want = expected[k];
        const where = `${m.name} on ${rt.name}, size ${n}, output ${k}`;
        expect([...got.dims], `${where}: shape`).toEqual([...want.shape]);
        expectClose(got.data as Float32Array, (await want.data()) as Float32Array, where, tol);
      }
    }
    await session.release();
  }
}

/** Elementwise |got - want| <= atol + rtol |want|, naming the worst element on failure. */
export function expectClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  where: string,
  tol: Tolerance = {},
): void {
  const atol = tol.atol ?? 1e-5;
  const rtol = tol.rtol ?? 1e-4;
  expect(got.length, `${where}: length`).toBe(want.length);
  let worst = -1;
  let excess = 0;
  for (let i = 0; i < want.length; i++) {
    const w = Number(want[i]);
    const d = Math.abs(Number(got[i]) - w);
    const bound = atol + rtol * Math.abs(w);
    const sameNonFinite = !Number.isFinite(w) && Object.is(Number(got[i]), w);
    if (!sameNonFinite && !(d <= bound) && (worst < 0 || d - bound > excess)) {
      worst = i;
      excess = d - bound;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${where}: element ${worst} is ${got[worst]}, expected ${want[worst]} (atol ${atol}, rtol ${rtol})`,
    );
  }
}
