import { type PhiloxState, philoxFill, type RandomKind, type View } from '@layers/core';
import { f32 } from './buffers.js';

/** Contiguous float32 fill from core's Philox reference, so every backend yields one stream. */
export function random(kind: RandomKind, state: PhiloxState, out: View): void {
  let size = 1;
  for (const n of out.shape) size *= n;
  const d = f32(out);
  philoxFill(kind, state, d.subarray(out.offset, out.offset + size));
}
