import { BufferUsage, MapMode, ShaderStage } from './gpu.js';
import { BufferPool, type GPUTensorBuffer } from './pool.js';
import { TimestampTimer } from './timestamps.js';

/** One storage binding of a dispatch. */
export interface Binding {
  buffer: GPUBuffer;
  /** true: bound read_write (the kernel writes it). */
  write: boolean;
}

export interface DispatchSpec {
  /** Cache key of the shader; `source` is only called on a cache miss. */
  key: string;
  source: () => string;
  /** Bindings after the params buffer (binding 0); binding i+1 is bindings[i]. */
  bindings: Binding[];
  /** Per-dispatch parameters (shapes, strides, offsets, f32 bit patterns) for binding 0. */
  params: Uint32Array;
  workgroups: readonly [number, number, number];
}

/** How many dispatches we encode before submitting even if nobody reads. */
const DISPATCHES_PER_SUBMIT = 64;
const ARENA_BYTES = 256 * 1024;
/**
 * Bytes of the arena each dispatch's params binding spans. Binding 0 uses a dynamic offset so
 * one bind group serves every dispatch on the same buffers (bind groups are cached), hence one
 * fixed window size; the largest params (rank-8 indexing of 4 views) are ~180 bytes.
 * @internal
 */
export const PARAM_WINDOW = 1024;
/** Cached bind groups before the cache is dropped (entries pin buffers the pool may free). */
const BIND_GROUP_CACHE = 2048;

const prefix = '@layers/backend-webgpu';

/** @internal Layout signature of a dispatch: the params binding, then r/w per binding. */
export function signature(bindings: readonly Binding[]): string {
  return `r${bindings.map((b) => (b.write ? 'w' : 'r')).join('')}`;
}

/**
 * Owns the device: pipeline cache, batched command encoding, the per-dispatch params arena,
 * the buffer pool and deferred error reporting.
 */
export class Runtime {
  readonly pool: BufferPool;
  readonly limits: GPUSupportedLimits;
  private pipelines = new Map<string, GPUComputePipeline>();
  private compiling = new Map<string, Promise<GPUComputePipeline>>();
  private layouts = new Map<string, GPUBindGroupLayout>();
  private bindGroups = new Map<string, GPUBindGroup>();
  private bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 1;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private pendingDispatches = 0;
  private pendingCommands = 0;
  /** Params of this batch, written to `arena` just before submit (queue order makes reuse safe). */
  private arena: GPUBuffer;
  private arenaCpu = new Uint8Array(ARENA_BYTES);
  private arenaUsed = 0;
  private readonly paramAlign: number;
  private stagingToDestroy: GPUBuffer[] = [];
  private readbackFree: GPUBuffer[] = [];
  private readsInFlight = 0;
  private quietWaiters: (() => void)[] = [];
  /** Pipelines whose background compile `ready` has scheduled. */
  private readonly warming = new Set<string>();
  private scopeOpen = false;
  private errorChecks: Promise<void>[] = [];
  private deferredError: Error | null = null;
  private lostError: Error | null = null;
  private destroyed = false;
  /** Open device-timing session of core's profile(), if any. */
  private timer: TimestampTimer | null = null;

  constructor(
    readonly device: GPUDevice,
    readonly subgroups: boolean,
  ) {
    this.limits = device.limits;
    this.paramAlign = Math.max(16, device.limits.minStorageBufferOffsetAlignment);
    this.pool = new BufferPool(
      device,
      device.limits.maxBufferSize,
      device.limits.maxStorageBufferBindingSize,
    );
    this.arena = device.createBuffer({
      size: ARENA_BYTES,
      usage: BufferUsage.STORAGE | BufferUsage.COPY_DST,
    });
    device.lost.then((info) => {
      if (this.destroyed) return;
      this.lostError = new Error(
        `${prefix}: the GPU device was lost (${info.reason ?? 'unknown'}): ${info.message}. ` +
          'Every tensor on this backend is gone; create a new backend.',
      );
    });
    device.addEventListener('uncapturederror', (ev) => {
      const err = (ev as GPUUncapturedErrorEvent).error;
      this.recordError(err);
    });
  }

  private recordError(err: GPUError): void {
    if (this.deferredError) return;
    const kind =
      err.constructor?.name === 'GPUOutOfMemoryError' || /out of memory/i.test(err.message)
        ? 'out of memory'
        : 'validation error';
    this.deferredError = new Error(`${prefix}: GPU ${kind} in a queued kernel: ${err.message}`);
  }

  /** Throw the device-lost or deferred error, if any. Called by every op. */
  check(): void {
    if (this.destroyed) throw new Error(`${prefix}: this backend was destroyed`);
    if (this.lostError) throw this.lostError;
    if (this.deferredError) {
      const e = this.deferredError;
      this.deferredError = null;
      throw e;
    }
  }

  private openScope(): void {
    if (this.scopeOpen) return;
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    this.scopeOpen = true;
  }

  private closeScope(): void {
    if (!this.scopeOpen) return;
    this.scopeOpen = false;
    const v = this.device.popErrorScope();
    const o = this.device.popErrorScope();
    const p = Promise.all([v, o]).then(
      ([ve, oe]) => {
        if (oe) this.recordError(oe);
        if (ve) this.recordError(ve);
      },
      () => {
        // popErrorScope rejects when the device is lost; the lost handler reports that.
      },
    );
    this.errorChecks.push(p);
  }

  allocate(elements: number): GPUTensorBuffer {
    this.check();
    this.openScope();
    return this.pool.acquire(elements);
  }

  release(buf: GPUTensorBuffer): void {
    this.pool.release(buf);
  }

  private getEncoder(): GPUCommandEncoder {
    this.openScope();
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    return this.encoder;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** @internal Bind group layout of a binding signature ('r' params, then 'r'/'w' per binding). */
  layoutFor(sig: string): GPUBindGroupLayout {
    let layout = this.layouts.get(sig);
    if (!layout) {
      const entries: GPUBindGroupLayoutEntry[] = [];
      for (let i = 0; i < sig.length; i++) {
        entries.push({
          binding: i,
          visibility: ShaderStage.COMPUTE,
          buffer: {
            type: sig[i] === 'w' ? 'storage' : 'read-only-storage',
            hasDynamicOffset: i === 0,
          },
        });
      }
      layout = this.device.createBindGroupLayout({ entries });
      this.layouts.set(sig, layout);
    }
    return layout;
  }

  private pipelineDescriptor(spec: DispatchSpec, sig: string): GPUComputePipelineDescriptor {
    const module = this.device.createShaderModule({ code: spec.source() });
    return {
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [this.layoutFor(sig)] }),
      compute: { module, entryPoint: 'main' },
    };
  }

  private pipelineFor(spec: DispatchSpec, sig: string): GPUComputePipeline {
    const key = `${sig}|${spec.key}`;
    let p = this.pipelines.get(key);
    if (!p) {
      p = this.device.createComputePipeline(this.pipelineDescriptor(spec, sig));
      this.pipelines.set(key, p);
    }
    return p;
  }

  /**
   * @internal The pipeline of `spec`, compiled off the calling thread
   * (createComputePipelineAsync) and cached, so a later dispatch of it does not compile.
   */
  compile(spec: DispatchSpec): Promise<GPUComputePipeline> {
    const sig = signature(spec.bindings);
    const key = `${sig}|${spec.key}`;
    const have = this.pipelines.get(key);
    if (have) return Promise.resolve(have);
    let p = this.compiling.get(key);
    if (!p) {
      p = this.device.createComputePipelineAsync(this.pipelineDescriptor(spec, sig)).then((pl) => {
        this.pipelines.set(key, pl);
        this.compiling.delete(key);
        return pl;
      });
      this.compiling.set(key, p);
    }
    return p;
  }

  /**
   * @internal Whether every pipeline of `specs` is compiled. When one is not, its
   * asynchronous compile is started once the device is quiet (so it does not slow the read-back
   * that is waiting for a quicker variant) and false is returned; a later call finds it ready.
   */
  ready(specs: readonly DispatchSpec[]): boolean {
    const missing = specs.filter((s) => !this.pipelines.has(`${signature(s.bindings)}|${s.key}`));
    if (missing.length === 0) return true;
    for (const s of missing) {
      const key = `${signature(s.bindings)}|${s.key}`;
      if (this.warming.has(key)) continue;
      this.warming.add(key);
      // A variant the adapter rejects stays unready: the caller keeps its quicker one.
      void this.quiet()
        .then(() => (this.destroyed ? undefined : this.compile(s)))
        .catch(() => {});
    }
    return false;
  }

  /** Start timing each dispatch (null when the device has no timestamp queries). */
  startTimer(): TimestampTimer | null {
    if (!this.device.features.has('timestamp-query') || this.timer) return null;
    this.flush();
    const timer = new TimestampTimer(this.device, () => {
      this.flush();
      if (this.timer === timer) this.timer = null;
    });
    this.timer = timer;
    return timer;
  }

  /** Copy of a whole buffer, used when a kernel reads a buffer it also writes. */
  private snapshot(src: GPUBuffer): GPUTensorBuffer {
    const tmp = this.pool.acquire(src.size / 4);
    this.endPass();
    this.getEncoder().copyBufferToBuffer(src, 0, tmp.gpu, 0, src.size);
    this.pendingCommands++;
    return tmp;
  }

  dispatch(spec: DispatchSpec): void {
    this.check();
    const [x, y, z] = spec.workgroups;
    if (x === 0 || y === 0 || z === 0) return;
    const maxDim = this.limits.maxComputeWorkgroupsPerDimension;
    if (x > maxDim || y > maxDim || z > maxDim) {
      throw new Error(`${prefix}: internal: dispatch ${x}x${y}x${z} exceeds ${maxDim} per dimension`);
    }
    const paramBytes = Math.max(16, spec.params.byteLength);
    if (paramBytes > PARAM_WINDOW) {
      throw new Error(`${prefix}: internal: ${paramBytes} bytes of kernel params exceed ${PARAM_WINDOW}`);
    }
    const at = Math.ceil(this.arenaUsed / this.paramAlign) * this.paramAlign;
    if (at + PARAM_WINDOW > ARENA_BYTES) {
      this.flush();
      this.dispatch(spec);
      return;
    }
    this.arenaUsed = at + paramBytes;
    this.arenaCpu.set(new Uint8Array(spec.params.buffer, spec.params.byteOffset, spec.params.byteLength), at);

    // A buffer may not be bound both writable and read-only in one dispatch: read a snapshot.
    const written = new Set<GPUBuffer>();
    for (const b of spec.bindings) if (b.write) written.add(b.buffer);
    const temps: GPUTensorBuffer[] = [];
    const buffers = spec.bindings.map((b) => {
      if (b.write || !written.has(b.buffer)) return b.buffer;
      const t = this.snapshot(b.buffer);
      temps.push(t);
      return t.gpu;
    });

    const sig = signature(spec.bindings);
    const encoder = this.getEncoder();
    const pipeline = this.pipelineFor(spec, sig);
    const bindGroup = this.bindGroupFor(sig, buffers);
    if (this.timer) {
      this.endPass();
      this.pass = encoder.beginComputePass({ timestampWrites: this.timer.nextPass() });
    } else if (!this.pass) this.pass = encoder.beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup, [at]);
    this.pass.dispatchWorkgroups(x, y, z);
    if (this.timer) this.endPass();
    this.pendingDispatches++;
    this.pendingCommands++;
    // Queue order keeps the snapshot valid for this dispatch even if reused afterwards.
    for (const t of temps) this.pool.release(t);
    if (this.pendingDispatches >= DISPATCHES_PER_SUBMIT) this.flush();
  }

  private bufferId(b: GPUBuffer): number {
    let id = this.bufferIds.get(b);
    if (id === undefined) {
      id = this.nextBufferId++;
      this.bufferIds.set(b, id);
    }
    return id;
  }

  /** Bind group of the arena (dynamic offset) and `buffers`, reused across dispatches. */
  private bindGroupFor(sig: string, buffers: GPUBuffer[]): GPUBindGroup {
    let key = sig;
    for (const b of buffers) key += `,${this.bufferId(b)}`;
    let bg = this.bindGroups.get(key);
    if (!bg) {
      if (this.bindGroups.size >= BIND_GROUP_CACHE) this.bindGroups.clear();
      const entries: GPUBindGroupEntry[] = [
        { binding: 0, resource: { buffer: this.arena, offset: 0, size: PARAM_WINDOW } },
      ];
      buffers.forEach((buffer, i) => {
        entries.push({ binding: i + 1, resource: { buffer } });
      });
      bg = this.device.createBindGroup({ layout: this.layoutFor(sig), entries });
      this.bindGroups.set(key, bg);
    }
    return bg;
  }

  /** Write bytes at offset 0 of `dst`, ordered after every kernel queued so far. */
  write(dst: GPUBuffer, data: ArrayBufferView): void {
    this.check();
    this.openScope();
    const bytes = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
    if (bytes.byteLength === 0) return;
    if (this.pendingCommands === 0) {
      this.device.queue.writeBuffer(dst, 0, bytes);
      return;
    }
    // Encoded-but-unsubmitted kernels may still read the old contents (a pooled buffer that
    // was released and handed out again), so the write must be ordered inside the batch.
    const size = Math.ceil(bytes.byteLength / 4) * 4;
    const staging = this.device.createBuffer({
      size,
      usage: BufferUsage.COPY_SRC,
      mappedAtCreation: true,
    });
    new Uint8Array(staging.getMappedRange()).set(bytes);
    staging.unmap();
    this.endPass();
    this.getEncoder().copyBufferToBuffer(staging, 0, dst, 0, size);
    this.pendingCommands++;
    this.stagingToDestroy.push(staging);
  }

  /** Submit everything encoded so far. */
  flush(): void {
    this.endPass();
    if (this.encoder) {
      if (this.arenaUsed > 0) {
        this.device.queue.writeBuffer(this.arena, 0, this.arenaCpu, 0, Math.ceil(this.arenaUsed / 4) * 4);
      }
      this.device.queue.submit([this.encoder.finish()]);
      this.encoder = null;
    }
    this.arenaUsed = 0;
    this.pendingDispatches = 0;
    this.pendingCommands = 0;
    for (const s of this.stagingToDestroy) s.destroy();
    this.stagingToDestroy = [];
    this.pool.afterSubmit();
    this.closeScope();
  }

  private async settleErrors(): Promise<void> {
    const checks = this.errorChecks;
    this.errorChecks = [];
    await Promise.all(checks);
    this.check();
  }

  async read(src: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    this.check();
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    let rb = this.readbackFree.findIndex((b) => b.size >= size && b.size <= size * 4);
    const staging =
      rb >= 0
        ? this.readbackFree.splice(rb, 1)[0]
        : this.device.createBuffer({ size, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    rb = -1;
    this.endPass();
    this.getEncoder().copyBufferToBuffer(src, 0, staging, 0, size);
    this.pendingCommands++;
    this.flush();
    this.readsInFlight++;
    try {
      await staging.mapAsync(MapMode.READ, 0, size);
    } catch (e) {
      await this.settleErrors();
      this.check();
      throw new Error(`${prefix}: reading a buffer back failed: ${(e as Error).message}`);
    } finally {
      if (--this.readsInFlight === 0) for (const w of this.quietWaiters.splice(0)) w();
    }
    const out = staging.getMappedRange(0, size).slice(0, bytes);
    staging.unmap();
    if (this.readbackFree.length < 8) this.readbackFree.push(staging);
    else staging.destroy();
    await this.settleErrors();
    return out;
  }

  /**
   * @internal Resolves on a later task once no read-back is in flight: background work (the
   * tuner's compiles and timings) waits for it so the caller's first results are not queued
   * behind it. On SwiftShader the tuner's LLVM compiles shared the 2 cores with the first CNN
   * forward and delayed its read-back.
   */
  async quiet(): Promise<void> {
    // A task boundary first: the op that started the job issues its read-back after returning.
    await new Promise((r) => setTimeout(r, 0));
    while (this.readsInFlight > 0 && !this.destroyed) {
      await new Promise<void>((r) => this.quietWaiters.push(r));
      await new Promise((r) => setTimeout(r, 0));
    }
  }

  async sync(): Promise<void> {
    this.check();
    this.flush();
    const done = this.device.queue.onSubmittedWorkDone();
    // A lost device may never finish the queue; race against the lost promise.
    await Promise.race([done, this.device.lost.then(() => undefined)]);
    await this.settleErrors();
  }

  destroy(): void {
    if (this.destroyed) return;
    for (const w of this.quietWaiters.splice(0)) w();
    this.destroyed = true;
    this.encoder = null;
    this.pass = null;
    this.pipelines.clear();
    this.bindGroups.clear();
    this.device.destroy();
  }
}
