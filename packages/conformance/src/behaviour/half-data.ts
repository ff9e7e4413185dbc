/**
 * The fixtures of behaviour/half*.ts (fixtures/half/index.json, written by
 * tooling/fixtures/ops_half.py): conversion tables, op cases with PyTorch's 16-bit CPU result,
 * promotion pairs and a float16 model, read once.
 */
import { readFileSync } from 'node:fs';
import type * as L from '@layers/core';

export const DIR = new URL('../../fixtures/half/', import.meta.url);

export type Half = 'float16' | 'bfloat16';
export type Num = number | 'nan' | 'inf' | '-inf';
export interface Enc {
  shape: number[];
  data: Num[];
}
export interface OpCase {
  name: string;
  op: string;
  dtype: Half;
  ref: 'cpu' | 'float32';
  inputs: Enc[];
  out: Enc;
  rounded: Enc;
  f64: Enc;
}
export type Spec = { dtype: L.DType; dim: number } | { scalar: number | boolean };
export interface Index {
  encode: { f32: number[]; float16: number[]; bfloat16: number[] };
  numbers: { values: number[]; float16: number[]; bfloat16: number[] };
  decode: { float16: number[]; f32: number[] };
  ops: OpCase[];
  promotion: { a: Spec; b: Spec; dtype: string }[];
  model: { file: string; input: Enc; logits32: Enc; f64HalfWeights: Enc };
}

let cached: Index | null = null;
/** The parsed index, read on first use. */
export function index(): Index {
  cached ??= JSON.parse(readFileSync(new URL('index.json', DIR), 'utf8')) as Index;
  return cached;
}

export const decodeNum = (v: Num): number =>
  v === 'nan' ? Number.NaN : v === 'inf' ? Number.POSITIVE_INFINITY : v === '-inf' ? -Infinity : v;
