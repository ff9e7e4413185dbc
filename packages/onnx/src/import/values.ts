/**
 * The two kinds of value an imported graph passes between nodes.
 *
 * A `Tensor` lives on the backend. A `HostValue` is a small array in JavaScript: integer
 * initializers, Constant nodes and everything computed from them and from `Shape` outputs
 * (tensor shapes are known without reading data back). Shape arithmetic (Shape → Gather →
 * Concat → Reshape) therefore runs on the host and never waits for the device, which is the
 * only way it can work on an asynchronous backend such as WebGPU.
 */

import { type Backend, fromTypedArray, type Tensor } from '@layers/core';

/** Element types a host value keeps; `int64` is kept exactly as far as a double allows. */
export type HostDType = 'float32' | 'float64' | 'int32' | 'int64' | 'bool';

/** @internal A small array computed on the host (see the module comment). */
export interface HostValue {
  readonly kind: 'host';
  readonly dtype: HostDType;
  readonly shape: readonly number[];
  /** Row-major elements; booleans are 0 / 1. */
  readonly data: readonly number[];
}

/** @internal A value flowing along a graph edge. */
export type Value = Tensor | HostValue;

/** @internal */
export function host(dtype: HostDType, shape: readonly number[], data: readonly number[]): HostValue {
  return { kind: 'host', dtype, shape: [...shape], data };
}

/** @internal */
export function isHost(v: Value | undefined): v is HostValue {
  return v !== undefined && (v as HostValue).kind === 'host';
}

/** @internal Product of a shape's sizes. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** @internal True for the integer host dtypes. */
export function isIntDType(d: HostDType): boolean {
  return d === 'int32' || d === 'int64';
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * @internal Upload a host value to `backend`: floats become float32, integers int32 (layers
 * has no int64; a value outside int32 is an error rather than a silent wrap), bools bool.
 */
export function toDevice(v: HostValue, backend: Backend, what: string): Tensor {
  if (v.dtype === 'bool') return fromTypedArray(Uint8Array.from(v.data), v.shape, backend);
  if (isIntDType(v.dtype)) {
    const bad = v.data.findIndex((x) => x < INT32_MIN || x > INT32_MAX);
    if (bad >= 0) {
      throw new RangeError(
        `ONNX import: ${what} holds the int64 value ${v.data[bad]} at element ${bad}, outside int32 (layers stores ONNX int64 tensors as int32)`,
      );
    }
    return fromTypedArray(Int32Array.from(v.data), v.shape, backend);
  }
  return fromTypedArray(Float32Array.from(v.data), v.shape, backend);
}
