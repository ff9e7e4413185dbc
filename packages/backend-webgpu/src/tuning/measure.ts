/**
 * Times a candidate's dispatches for the tuner on scratch buffers, in a submission of its own
 * (the user's batch is untouched, and no user buffer is bound, so queue order does not
 * matter). One compute pass brackets the whole candidate with timestamps where the adapter
 * has them; otherwise the wall time from submit to onSubmittedWorkDone is taken, which may
 * include earlier queued work (the tuner keeps the minimum of several runs).
 */
import { BufferUsage, MapMode } from '../gpu.js';
import { type DispatchSpec, PARAM_WINDOW, type Runtime, signature } from '../runtime.js';

/** Scratch storage buffers of the given element counts, zero-filled; `destroy` frees them. */
export function scratch(
  device: GPUDevice,
  elements: readonly number[],
): { bufs: GPUBuffer[]; destroy(): void } {
  const bufs = elements.map((n) =>
    device.createBuffer({
      size: Math.max(16, Math.ceil((n * 4) / 16) * 16),
      usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST,
    }),
  );
  return {
    bufs,
    destroy: () => {
      for (const b of bufs) b.destroy();
    },
  };
}

/** Device milliseconds of running `specs` in order once. */
export async function timeSpecs(runtime: Runtime, specs: readonly DispatchSpec[]): Promise<number> {
  const device = runtime.device;
  const pipelines = await Promise.all(specs.map((s) => runtime.compile(s)));
  const params = specs.map((s) => {
    const b = device.createBuffer({ size: PARAM_WINDOW, usage: BufferUsage.STORAGE | BufferUsage.COPY_DST });
    device.queue.writeBuffer(b, 0, s.params.buffer, s.params.byteOffset, s.params.byteLength);
    return b;
  });
  const groups = specs.map((s, i) =>
    device.createBindGroup({
      layout: runtime.layoutFor(signature(s.bindings)),
      entries: [
        { binding: 0, resource: { buffer: params[i], offset: 0, size: PARAM_WINDOW } },
        ...s.bindings.map((b, j) => ({ binding: j + 1, resource: { buffer: b.buffer } })),
      ],
    }),
  );
  const stamps = device.features.has('timestamp-query');
  const qs = stamps ? device.createQuerySet({ type: 'timestamp', count: 2 }) : null;
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass(
    qs ? { timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {},
  );
  specs.forEach((s, i) => {
    pass.setPipeline(pipelines[i]);
    pass.setBindGroup(0, groups[i], [0]);
    pass.dispatchWorkgroups(...s.workgroups);
  });
  pass.end();
  let resolved: GPUBuffer | null = null;
  let staging: GPUBuffer | null = null;
  if (qs) {
    resolved = device.createBuffer({ size: 16, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC });
    staging = device.createBuffer({ size: 16, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    encoder.resolveQuerySet(qs, 0, 2, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, staging, 0, 16);
  }
  const t0 = performance.now();
  device.queue.submit([encoder.finish()]);
  try {
    if (staging) {
      await staging.mapAsync(MapMode.READ);
      const t = new BigInt64Array(staging.getMappedRange().slice(0));
      staging.unmap();
      const ns = Number(t[1] - t[0]);
      // Some adapters report zero or garbage for a pass; fall back to the wall clock then.
      if (ns > 0) return ns / 1e6;
    } else await device.queue.onSubmittedWorkDone();
    return performance.now() - t0;
  } finally {
    for (const b of params) b.destroy();
    resolved?.destroy();
    staging?.destroy();
    qs?.destroy();
  }
}
