import { BufferUsage } from './gpu.js';

/** What core holds for a tensor's memory. Opaque to core. */
export class GPUTensorBuffer {
  released = false;
  constructor(
    public gpu: GPUBuffer,
    /** Element capacity (every dtype is stored as one 32-bit word per element). */
    readonly capacity: number,
    /** Size-class bytes (the real size of `gpu`). */
    readonly classBytes: number,
  ) {}
}

/** Memory accounting of the WebGPU buffer pool ({@link WebGPUBackend.memory}). */
export interface PoolStats {
  /** Bytes of buffers handed out and not yet released (size-class bytes). */
  liveBytes: number;
  /** Bytes of released buffers kept for reuse. */
  pooledBytes: number;
  /** Every storage buffer this pool created and has not destroyed. */
  allocatedBytes: number;
  /** Buffers handed out and not yet released. */
  liveBuffers: number;
}

export const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

/**
 * Round up to a size class so that freed buffers are reusable by similar requests:
 * powers of two up to 1 MiB, then quarter steps between powers of two (<= 25% waste).
 */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  const p = 2 ** Math.ceil(Math.log2(bytes));
  if (p <= 1 << 20) return p;
  const step = p / 8; // between p/2 and p in steps of p/8
  return Math.ceil(bytes / step) * step;
}

/**
 * Reuses GPU storage buffers by size class. Releasing while GPU work that uses the buffer is
 * still queued is safe: the queue executes in submission order, so whoever gets the buffer
 * next can only write it after the earlier work ran.
 */
export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  private stats: PoolStats = { liveBytes: 0, pooledBytes: 0, allocatedBytes: 0, liveBuffers: 0 };

  constructor(
    private device: GPUDevice,
    private maxBufferSize: number,
    private maxBindingSize: number,
    /** Cap on pooled bytes; beyond it released buffers are destroyed. */
    private maxPooledBytes = 512 * 1024 * 1024,
  ) {}

  acquire(elements: number): GPUTensorBuffer {
    const bytes = Math.max(4, elements * 4);
    if (bytes > this.maxBindingSize || bytes > this.maxBufferSize) {
      throw new Error(
        `@layers/backend-webgpu: a buffer of ${elements} elements (${bytes} bytes) exceeds this ` +
          `device's limit (maxStorageBufferBindingSize ${this.maxBindingSize}, maxBufferSize ` +
          `${this.maxBufferSize}). Split the tensor into smaller pieces.`,
      );
    }
    let cls = sizeClass(bytes);
    if (cls > this.maxBindingSize || cls > this.maxBufferSize) cls = Math.ceil(bytes / 256) * 256;
    if (cls > this.maxBindingSize || cls > this.maxBufferSize) cls = bytes;
    const list = this.free.get(cls);
    let gpu = list?.pop();
    if (gpu) {
      this.stats.pooledBytes -= cls;
    } else {
      gpu = this.device.createBuffer({ size: cls, usage: STORAGE_USAGE });
      this.stats.allocatedBytes += cls;
    }
    this.stats.liveBytes += cls;
    this.stats.liveBuffers++;
    return new GPUTensorBuffer(gpu, Math.floor(cls / 4), cls);
  }

  release(buf: GPUTensorBuffer): void {
    if (buf.released) throw new Error('@layers/backend-webgpu: buffer released twice');
    buf.released = true;
    this.stats.liveBytes -= buf.classBytes;
    this.stats.liveBuffers--;
    if (this.stats.pooledBytes + buf.classBytes > this.maxPooledBytes) {
      // Destroy is deferred by WebGPU until submitted work using it completes; the runtime
      // flushes pending commands before calling release paths that may destroy.
      this.destroyLater.push(buf.gpu);
      this.stats.allocatedBytes -= buf.classBytes;
      return;
    }
    let list = this.free.get(buf.classBytes);
    if (!list) this.free.set(buf.classBytes, (list = []));
    list.push(buf.gpu);
    this.stats.pooledBytes += buf.classBytes;
  }

  /** Buffers to destroy once the commands encoded so far are submitted. */
  destroyLater: GPUBuffer[] = [];

  /** Called by the runtime right after a submit. */
  afterSubmit(): void {
    for (const b of this.destroyLater) b.destroy();
    this.destroyLater = [];
  }

  getStats(): PoolStats {
    return { ...this.stats };
  }

  /** Destroy every pooled buffer (live ones belong to core). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) this.destroyLater.push(b);
    this.stats.allocatedBytes -= this.stats.pooledBytes;
    this.stats.pooledBytes = 0;
    this.free.clear();
  }
}
