/**
 * Reading the PyTorch fixtures written by tooling/fixtures/generate.py, and turning their
 * encoded tensors into layers tensors (including the non-contiguous views they describe).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as L from '@layers/core';

export type FixtureDType = 'float32' | 'float16' | 'bfloat16' | 'int32' | 'bool';
export type EncodedNumber = number | boolean | 'nan' | 'inf' | '-inf';

export type ViewStep =
  | { transpose: [number, number] }
  | { permute: number[] }
  | { slice: [number, number | null, number | null, number | null] }
  | { expand: number[] };

/** A tensor as a fixture file stores it (JSON): values in row-major order, non-finite ones as strings. */
export interface EncodedTensor {
  /** Shape of the stored (contiguous) values. */
  shape: number[];
  /** Element type. */
  dtype: FixtureDType;
  /** Values, row-major; NaN and infinities as `'nan'`, `'inf'`, `'-inf'`. */
  data: EncodedNumber[];
  /** View ops applied after upload, to test non-contiguous inputs. */
  view?: ViewStep[];
  /** The input is a leaf that requires grad (its gradient is checked). */
  requiresGrad?: boolean;
}

export type EncodedInput = EncodedTensor | { scalar: EncodedNumber } | { tensors: EncodedTensor[] } | null;

/** One PyTorch-computed case: the op, its inputs and attributes, the expected output and gradients. */
export interface FixtureCase {
  /** Unique case name, `family/op/variant`. */
  name: string;
  /** layers' camelCase op name, mapped to a call by the op tables. */
  op: string;
  /** Positional inputs: tensors, scalars, tensor lists or null. */
  inputs: EncodedInput[];
  /** Options, as layers receives them. */
  attrs: Record<string, any>;
  /** Expected output (or outputs). */
  out: EncodedTensor | EncodedTensor[];
  /** Gradient fed to backward, when gradients are checked. */
  gradOut?: EncodedTensor | EncodedTensor[];
  /** One per tensor input, depth-first (a `tensors` list is flattened in place). */
  grads?: (EncodedTensor | null)[];
  /**
   * The 16-bit dtype of a `half-ops` row (its float inputs, outputs and gradients are in it;
   * the reference values are float64 on those exact inputs).
   */
  dtype?: 'float16' | 'bfloat16';
  /** Per output, PyTorch 1.13's own CPU result's worst error in ulps of `dtype` (null: no CPU kernel). */
  torchUlps?: (number | null)[] | null;
  /**
   * Per input (as `grads`), PyTorch 1.13's own 16-bit CPU gradient's worst error in ulps of
   * `dtype`, at the larger of |expected| and the gradient's RMS (null: no CPU backward).
   */
  torchGradUlps?: (number | null)[] | null;
}

/** One fixture file: a family of cases generated together. */
export interface FixtureFile {
  /** Family name (the file name without `.json`). */
  family: string;
  /** PyTorch version that computed the values. */
  torch: string;
  /** The cases. */
  cases: FixtureCase[];
  /** Ops a derived family has no case for, with the reason (half-ops: see half_rows.py). */
  excluded?: {
    /** The op without a case. */
    op: string;
    /** The dtype it has no case in. */
    dtype: string;
    /** Why the derived family leaves it out. */
    reason: string;
  }[];
}

const FIXTURE_DIR = new URL('../fixtures/', import.meta.url);

/** Every fixture file shipped with the package, in a stable order. */
export function loadFixtures(): FixtureFile[] {
  const dir = fileURLToPath(FIXTURE_DIR);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(new URL(f, FIXTURE_DIR), 'utf8')) as FixtureFile);
}

export function decodeNumber(v: EncodedNumber): number {
  if (v === 'nan') return Number.NaN;
  if (v === 'inf') return Number.POSITIVE_INFINITY;
  if (v === '-inf') return Number.NEGATIVE_INFINITY;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

/** Decoded values as float64 numbers (bool as 0/1), flat and row-major. */
export function decodeValues(t: EncodedTensor): Float64Array {
  return Float64Array.from(t.data, decodeNumber);
}

export function isEncodedTensor(x: EncodedInput): x is EncodedTensor {
  return x !== null && typeof x === 'object' && 'shape' in x;
}

/**
 * The typed array layers creates this tensor from (float32 values are exact: see generate.py;
 * float16/bfloat16 inputs are exact values of their dtype, given as float32 and rounded exactly
 * by tensor()).
 */
export function toTypedArray(t: EncodedTensor): L.TypedArray {
  const v = decodeValues(t);
  if (t.dtype === 'float32' || t.dtype === 'float16' || t.dtype === 'bfloat16') return Float32Array.from(v);
  if (t.dtype === 'int32') return Int32Array.from(v);
  return Uint8Array.from(v);
}

export interface MaterialisedInput {
  /** The contiguous tensor created from the data; gradients are read from it. */
  leaf: L.Tensor;
  /** The leaf with the fixture's view steps applied: what the op receives. */
  value: L.Tensor;
}

/** Create the fixture's contiguous base tensor and derive its view, as PyTorch did. */
export function materialise(t: EncodedTensor, withGrad: boolean): MaterialisedInput {
  const leaf = L.tensor(toTypedArray(t), {
    shape: t.shape,
    dtype: t.dtype,
    requiresGrad: withGrad && t.requiresGrad === true,
  });
  let value = leaf;
  for (const step of t.view ?? []) value = applyViewStep(value, step);
  return { leaf, value };
}

export function applyViewStep(t: L.Tensor, step: ViewStep): L.Tensor {
  if ('transpose' in step) return t.transpose(step.transpose[0], step.transpose[1]);
  if ('permute' in step) return t.permute(step.permute);
  if ('expand' in step) return t.expand(step.expand);
  const [dim, start, end, stepSize] = step.slice;
  return t.slice(dim, start ?? undefined, end ?? undefined, stepSize ?? 1);
}

/** Number of elements of a shape. */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
