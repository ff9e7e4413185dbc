/** Typed access to a node's attributes, with ONNX's defaults and errors that name the node. */

import type { AttributeProto } from '../proto/index.js';
import { decodeTensor, num } from './tensor-proto.js';
import type { HostValue } from './values.js';

/** @internal */
export class Attrs {
  private readonly byName = new Map<string, AttributeProto>();

  constructor(
    attrs: readonly AttributeProto[],
    /** "Conv node '/c1/Conv'": used in every error message about this node. */
    readonly where: string,
  ) {
    for (const a of attrs) if (a.name) this.byName.set(a.name, a);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  int(name: string, def: number): number {
    const a = this.byName.get(name);
    return a ? num(a.i) : def;
  }

  float(name: string, def: number): number {
    const a = this.byName.get(name);
    return a ? (a.f ?? 0) : def;
  }

  ints(name: string, def: readonly number[] | null = null): number[] | null {
    const a = this.byName.get(name);
    return a ? (a.ints ?? []).map(num) : def ? [...def] : null;
  }

  floats(name: string): number[] | null {
    const a = this.byName.get(name);
    return a ? [...(a.floats ?? [])] : null;
  }

  string(name: string, def: string): string {
    const a = this.byName.get(name);
    return a?.s ? new TextDecoder().decode(a.s) : def;
  }

  strings(name: string): string[] | null {
    const a = this.byName.get(name);
    return a ? (a.strings ?? []).map((s) => new TextDecoder().decode(s)) : null;
  }

  tensor(name: string): HostValue | null {
    const a = this.byName.get(name);
    return a?.t ? decodeTensor(a.t, `attribute '${name}' of ${this.where}`) : null;
  }

  /** An error for an attribute value layers does not implement. */
  unsupported(name: string, value: unknown, supported: string): Error {
    return new RangeError(
      `ONNX import: ${this.where} has ${name}=${JSON.stringify(value)}, which layers does not support (${supported})`,
    );
  }
}
