/** Shared by the import tests: the PyTorch-exported fixtures and comparison against them. */

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCpuBackend } from '@layers/backend-cpu';
import { type Backend, fromTypedArray, setBackend, type Tensor } from '@layers/core';
import { beforeAll, expect } from 'vitest';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'import-fixtures');

/** A tensor as the generator writes it. */
export interface JsonTensor {
  dtype: 'float32' | 'int64';
  shape: number[];
  data: number[];
}

/** One fixture model: inputs and PyTorch's outputs, by graph name. */
export interface Fixture {
  model: string;
  doc: string;
  inputs: Record<string, JsonTensor>;
  outputs: Record<string, JsonTensor>;
  /** The PyTorch model's state_dict keys and shapes. */
  state: Record<string, number[]>;
}

/** The fixture models (generate.py's MODELS) and the opsets each is exported at. */
export const MODELS = [
  'mlp',
  'activations',
  'cnn',
  'convt',
  'norms',
  'rnn',
  'transformer',
  'shapeops',
  'vision',
  'text',
  'misc',
];
export const OPSETS = [13, 17];

export function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Fixture;
}

export function modelBytes(name: string, opset: number): Uint8Array {
  return new Uint8Array(readFileSync(join(DIR, `${name}.opset${opset}.onnx`)));
}

/** A fixture tensor on `backend` (int64 becomes int32, as importModel expects). */
export function toTensor(t: JsonTensor, backend: Backend): Tensor {
  const data = t.dtype === 'int64' ? Int32Array.from(t.data) : Float32Array.from(t.data);
  return fromTypedArray(data, t.shape, backend);
}

/**
 * Whole-model tolerance. The graphs chain dozens of float32 ops (a transformer layer runs
 * ~100), each rounding once, and PyTorch and layers sum in different orders, so errors of a
 * few ulp per op accumulate; rtol 1e-4 / atol 1e-5 is about 1000 float32 ulp at |x| ~ 1,
 * far below the size of any real semantic mistake (a wrong gate order, eps or axis).
 */
export const TOL = { atol: 1e-5, rtol: 1e-4 };

/** Compare a layers output with PyTorch's; reports the worst element. */
export async function expectClose(
  actual: Tensor,
  expected: JsonTensor,
  what: string,
  tol = TOL,
): Promise<void> {
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  const got = await actual.data();
  let worst = -1;
  let worstRatio = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const e = expected.data[i];
    const err = Math.abs(got[i] - e);
    const ratio = err / (tol.atol + tol.rtol * Math.abs(e));
    if (!(ratio <= worstRatio)) {
      worstRatio = Number.isNaN(ratio) ? Infinity : ratio;
      worst = i;
    }
  }
  const detail =
    worst >= 0
      ? `element ${worst}: got ${got[worst]}, PyTorch ${expected.data[worst]} (${worstRatio.toFixed(2)}x tolerance)`
      : '';
  expect(worstRatio, `${what}: ${detail}`).toBeLessThanOrEqual(1);
}

/** Create a cpu backend before the file's tests and make it current; returns a getter for it. */
export function useCpu(): () => Backend {
  let cpu: Backend | undefined;
  beforeAll(async () => {
    cpu = await createCpuBackend();
    setBackend(cpu);
  });
  return () => cpu!;
}
