/** The contract between the graph interpreter and the operator implementations. */

import type { Backend, Tensor } from '@layers/core';
import type { Attrs } from '../attrs.js';
import type { HostValue, Value } from '../values.js';

/** @internal What an operator implementation may ask of the interpreter. */
export interface OpContext {
  /** "Reshape node '/Reshape_1'": the prefix of every error about this node. */
  readonly where: string;
  /** The default-domain opset the model imports. */
  readonly opset: number;
  readonly backend: Backend;
  /** The input as a device tensor (host values are uploaded; constants once). */
  t(v: Value | undefined, what: string): Tensor;
  /** The input as host values, or an error saying it is computed from tensor data. */
  hostOf(v: Value | undefined, what: string): HostValue;
  /** hostOf(...).data, for integer lists such as shapes, axes and pads. */
  ints(v: Value | undefined, what: string): number[];
  /** The number of outputs the node declares (empty names included). */
  readonly outputCount: number;
  /** True where the node's i-th output is consumed (named and used by some node or the graph). */
  outputUsed(i: number): boolean;
}

/** @internal An operator: a host path (all inputs host, small result) and a device path. */
export interface OpDef {
  /** Returns null when the host path does not apply (e.g. the result is too large). */
  host?: (inputs: (HostValue | undefined)[], attrs: Attrs, ctx: OpContext) => HostValue[] | null;
  device: (inputs: (Value | undefined)[], attrs: Attrs, ctx: OpContext) => Value[];
  /**
   * Input positions read as host numbers even when float (Pad's constant_value, Resize's
   * scales, Range's bounds): a float initializer used only there is a constant, not a Parameter.
   */
  hostInputs?: readonly number[];
}

/** @internal */
export type OpTable = Record<string, OpDef>;
