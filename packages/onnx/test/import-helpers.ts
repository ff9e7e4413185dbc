/** Shared by the import tests: the PyTorch-exported fixtures and comparison against them. */

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCpuBackend } from '@layers/backend-cpu';
import { type Backend, fromTypedArray, setBackend, type Tensor } from '@layers/core';
import { beforeAll, expect } from 'vitest';
import type { OnnxModule } from '../src/import/index.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'import-fixtures');

/** A tensor as the generator writes it. */
export interface JsonTensor {
  dtype: 'float32' | 'int64';
  shape: number[];
  data: number[];
}

/** Inputs and PyTorch's outputs, by graph name. */
export interface FixtureCase {
  inputs: Record<string, JsonTensor>;
  outputs: Record<string, JsonTensor>;
}

/** One fixture model: the export batch, and one with a sample more on every dynamic axis. */
export interface Fixture {
  model: string;
  doc: string;
  /** 11 (where torch 1.13 can export the model), 13 and 17. */
  opsets: number[];
  cases: FixtureCase[];
  /** The PyTorch model's state_dict keys and shapes. */
  state: Record<string, number[]>;
}

/** The fixture models (generate.py's MODELS); each lists the opsets it was exported at. */
export const MODELS = [
  'mlp',
  'activations',
  'cnn',
  'convt',
  'convpad',
  'norms',
  'rnn',
  'transformer',
  'shapeops',
  'tensorops',
  'vision',
  'text',
  'misc',
];

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
 * Whole-model tolerance. The graphs chain dozens of float32 ops (a transformer layer ~100),
 * each rounding once, and PyTorch and layers sum in different orders, so a few ulp per op
 * accumulate. rtol 2e-5 is ~170 float32 ulp; the worst element measured over every model,
 * case and backend (cpu, template, wasm, webgpu on SwiftShader) was 0.18 of this, while any
 * semantic mistake (a gate order, an eps, an axis) is off by orders of magnitude more.
 */
export const TOL = { atol: 2e-6, rtol: 2e-5 };

/** Run `model` on every case of `fx` (inputs on `backend`) and compare with PyTorch's outputs. */
export async function expectFixture(
  model: OnnxModule,
  fx: Fixture,
  backend: Backend,
  label: string,
): Promise<void> {
  for (const [c, { inputs, outputs }] of fx.cases.entries()) {
    const out = model.forward(...model.inputs.map((i) => toTensor(inputs[i.name], backend)));
    const outs: Tensor[] = Array.isArray(out) ? out : [out];
    expect(outs.length).toBe(Object.keys(outputs).length);
    for (const [k, o] of model.outputs.entries()) {
      expect(outs[k].backend).toBe(backend);
      await expectClose(outs[k], outputs[o.name], `${label} case ${c} ${o.name}`);
    }
  }
}

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
