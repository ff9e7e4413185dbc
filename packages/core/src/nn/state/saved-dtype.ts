/**
 * Which tensors PyTorch keeps in int64 while layers holds them in int32 (layers has no
 * int64: WebGPU and WASM SIMD have no 64-bit integer arithmetic worth the name). Module
 * marks such buffers (num_batches_tracked) whenever it hands out its state dict, so the
 * writers (saveSafetensors) store them as int64, as torch does, and files round-trip.
 * A WeakSet, so marking never keeps a tensor alive.
 */
import type { Tensor } from '../../tensor/tensor.js';

const int64Tensors = new WeakSet<Tensor>();

/** @internal Record that `t` is int64 in PyTorch (saved as I64). */
export function markInt64(t: Tensor): void {
  int64Tensors.add(t);
}

/** @internal Whether `t` is int64 in PyTorch, so a writer should store it as int64. */
export function isInt64(t: Tensor): boolean {
  return int64Tensors.has(t);
}
