import type { Backend, BackendBuffer, DType } from '../backend/contract.js';
import { bytesPerElement } from './dtype.js';

/**
 * One backend allocation, shared by every view of it. Reference counted: each Tensor handle
 * (and each tensor saved by autograd) holds one reference; the buffer goes back to the
 * backend when the last one is dropped.
 */
export class Storage {
  refs = 0;
  released = false;
  constructor(
    readonly backend: Backend,
    readonly buffer: BackendBuffer,
    readonly dtype: DType,
    readonly size: number,
  ) {
    const s = statsFor(backend);
    s.buffers++;
    s.bytes += size * bytesPerElement(dtype);
  }

  retain(): void {
    this.refs++;
  }

  drop(): void {
    if (--this.refs > 0 || this.released) return;
    this.released = true;
    const s = statsFor(this.backend);
    s.buffers--;
    s.bytes -= this.size * bytesPerElement(this.dtype);
    this.backend.release(this.buffer);
  }
}

export function allocStorage(backend: Backend, size: number, dtype: DType): Storage {
  // Zero-size tensors still get a (one-element) buffer so kernels never see a null handle.
  return new Storage(backend, backend.alloc(Math.max(size, 1), dtype), dtype, size);
}

/** Live memory of one backend, as counted by core. */
export interface MemoryStats {
  /** Live tensor handles (views count separately; disposed ones do not). */
  tensors: number;
  /** Live backend buffers (shared by the views of a tensor). */
  buffers: number;
  /** Bytes of those buffers. */
  bytes: number;
}

const stats = new Map<Backend, MemoryStats>();

export function statsFor(backend: Backend): MemoryStats {
  let s = stats.get(backend);
  if (!s) {
    s = { tensors: 0, buffers: 0, bytes: 0 };
    stats.set(backend, s);
  }
  return s;
}

/** What {@link memory} reports: the totals over every backend, and the same per backend name. */
export interface MemoryInfo extends MemoryStats {
  /** Per backend name (`'cpu'`, `'wasm'`, ...). */
  byBackend: Record<string, MemoryStats>;
}

/** Live tensor handles, live buffers and their bytes, in total and per backend. */
export function memory(): MemoryInfo {
  const out: MemoryInfo = { tensors: 0, buffers: 0, bytes: 0, byBackend: {} };
  for (const [backend, s] of stats) {
    const prev = out.byBackend[backend.name];
    out.byBackend[backend.name] = prev
      ? { tensors: prev.tensors + s.tensors, buffers: prev.buffers + s.buffers, bytes: prev.bytes + s.bytes }
      : { ...s };
    out.tensors += s.tensors;
    out.buffers += s.buffers;
    out.bytes += s.bytes;
  }
  return out;
}
