/**
 * Device timing for core's `profile()`: while a session is open, every dispatch runs in a
 * compute pass of its own whose begin and end write GPU timestamps, attributed to the
 * kernel core named last (`enter`). Outside a session dispatches share one pass, as usual;
 * a pass per dispatch costs encode time, which is why timing is opt-in.
 */
import type { DeviceProfileSession } from '@layers/core';
import { BufferUsage, MapMode } from './gpu.js';

/** Timestamps per query set (two per dispatch); a full set starts another. */
const QUERIES_PER_SET = 4096;

interface QueryChunk {
  readonly set: GPUQuerySet;
  /** Kernel name of each dispatch, in order; dispatch i wrote queries 2i and 2i+1. */
  readonly labels: string[];
}

/** Collects per-dispatch timestamps between `profiling.start()` and `stop()`. */
export class TimestampTimer implements DeviceProfileSession {
  private chunks: QueryChunk[] = [];
  private label = 'other';

  constructor(
    private readonly device: GPUDevice,
    /** Submits everything encoded so far (the runtime's flush) and ends timing there. */
    private readonly finish: () => void,
  ) {}

  enter(kernel: string): void {
    this.label = kernel;
  }

  /** The `timestampWrites` of the next dispatch's pass. */
  nextPass(): GPUComputePassTimestampWrites {
    let chunk = this.chunks[this.chunks.length - 1];
    if (!chunk || chunk.labels.length * 2 >= QUERIES_PER_SET) {
      chunk = { set: this.device.createQuerySet({ type: 'timestamp', count: QUERIES_PER_SET }), labels: [] };
      this.chunks.push(chunk);
    }
    const i = chunk.labels.length;
    chunk.labels.push(this.label);
    return { querySet: chunk.set, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 };
  }

  async stop(): Promise<ReadonlyMap<string, number>> {
    this.finish();
    const totals = new Map<string, number>();
    for (const chunk of this.chunks) {
      const n = chunk.labels.length * 2;
      const bytes = n * 8;
      const resolved = this.device.createBuffer({
        size: bytes,
        usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC,
      });
      const staging = this.device.createBuffer({
        size: bytes,
        usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
      });
      const encoder = this.device.createCommandEncoder();
      encoder.resolveQuerySet(chunk.set, 0, n, resolved, 0);
      encoder.copyBufferToBuffer(resolved, 0, staging, 0, bytes);
      this.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(MapMode.READ);
      const ticks = new BigInt64Array(staging.getMappedRange().slice(0));
      staging.unmap();
      for (let i = 0; i < chunk.labels.length; i++) {
        // Nanoseconds; an adapter may report end < begin for an empty pass: count it as 0.
        const ns = Number((ticks[2 * i + 1] ?? 0n) - (ticks[2 * i] ?? 0n));
        const name = chunk.labels[i] ?? 'other';
        totals.set(name, (totals.get(name) ?? 0) + Math.max(0, ns) / 1e6);
      }
      staging.destroy();
      resolved.destroy();
      chunk.set.destroy();
    }
    this.chunks = [];
    return totals;
  }
}
