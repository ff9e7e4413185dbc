import { describe, expect, it } from 'vitest';
import { grid } from '../src/kernels/common.js';
import { type GPUTensorBuffer, sizeClass } from '../src/pool.js';
import { empty, makeBackend, read, tensor } from './helpers.js';

describe('buffer pool', () => {
  it('reuses buffers: allocated bytes stay flat over 1,000 alloc/release cycles', async () => {
    const be = await makeBackend();
    try {
      const warm = [be.alloc(1000, 'float32'), be.alloc(37, 'int32'), be.alloc(5, 'bool')];
      for (const b of warm) be.release(b);
      const before = be.memory();
      for (let i = 0; i < 1000; i++) {
        const a = be.alloc(1000 - (i % 7), 'float32'); // same size class
        const b = be.alloc(37, 'int32');
        const c = be.alloc(5, 'bool');
        be.write(a, 'float32', new Float32Array([i]));
        be.release(a);
        be.release(b);
        be.release(c);
      }
      await be.sync();
      const after = be.memory();
      expect(after.allocatedBytes).toBe(before.allocatedBytes);
      expect(after.liveBytes).toBe(0);
      expect(after.liveBuffers).toBe(0);
    } finally {
      be.destroy();
    }
  });
  it('tracks live bytes by size class', async () => {
    const be = await makeBackend();
    try {
      const a = be.alloc(1000, 'float32');
      expect(be.memory().liveBytes).toBe(sizeClass(4000));
      be.release(a);
      expect(be.memory().liveBytes).toBe(0);
      expect(() => be.release(a)).toThrow(/released twice/);
    } finally {
      be.destroy();
    }
  });
  it('size classes round up by at most 2x (small) or 12.5% (large)', () => {
    expect(sizeClass(1)).toBe(256);
    expect(sizeClass(4000)).toBe(4096);
    const big = 5_000_001;
    expect(sizeClass(big)).toBeGreaterThanOrEqual(big);
    expect(sizeClass(big)).toBeLessThanOrEqual(big * 1.125 + 1);
  });
  it('a released-then-reused buffer does not disturb kernels queued before the reuse', async () => {
    const be = await makeBackend();
    try {
      const a = tensor(be, 'float32', [4], [1, 2, 3, 4]);
      const out = empty(be, 'float32', [4]);
      be.unary('neg', a, out); // queued, not submitted
      be.release(a.buffer);
      const b = be.alloc(4, 'float32'); // gets a's GPU buffer back from the pool
      be.write(b, 'float32', new Float32Array([9, 9, 9, 9]));
      expect(await read(be, out)).toEqual([-1, -2, -3, -4]);
      expect(Array.from(await be.read(b, 'float32', 4))).toEqual([9, 9, 9, 9]);
    } finally {
      be.destroy();
    }
  });
  it('many dispatches in a chain (several automatic submits) stay ordered', async () => {
    const be = await makeBackend();
    try {
      const x = tensor(be, 'float32', [3], [0, 1, 2]);
      const one = tensor(be, 'float32', [3], [1, 1, 1]);
      for (let i = 0; i < 300; i++) be.binary('add', x, one, x);
      expect(await read(be, x)).toEqual([300, 301, 302]);
    } finally {
      be.destroy();
    }
  });
  it('stores bool as one word per element and int32 exactly', async () => {
    const be = await makeBackend();
    try {
      const b = tensor(be, 'bool', [5], [1, 0, 0, 1, 1]);
      expect(await read(be, b)).toEqual([1, 0, 0, 1, 1]);
      const i = tensor(be, 'int32', [3], [-2147483648, 2147483647, -1]);
      expect(await read(be, i)).toEqual([-2147483648, 2147483647, -1]);
    } finally {
      be.destroy();
    }
  });
});

describe('limits', () => {
  it('splits large dispatches into a 2-D grid', () => {
    expect(grid(10, 65535)).toEqual([10, 1, 1]);
    const [x, y] = grid(70000, 65535);
    expect(x).toBeLessThanOrEqual(65535);
    expect(x * y).toBeGreaterThanOrEqual(70000);
  });
  it('rejects a buffer over maxStorageBufferBindingSize with a clear error', async () => {
    const be = await makeBackend();
    try {
      const max = be.device.limits.maxStorageBufferBindingSize;
      expect(() => be.alloc(max / 4 + 1, 'float32')).toThrow(/exceeds this device's limit/);
    } finally {
      be.destroy();
    }
  });
});

describe('error surfacing', () => {
  it('reports device loss on the next op and on read, without hanging', async () => {
    const be = await makeBackend();
    const x = tensor(be, 'float32', [2], [1, 2]);
    await be.sync();
    be.device.destroy(); // simulate loss: the backend did not ask for it
    await be.device.lost;
    expect(() => be.unary('neg', x, x)).toThrow(/device was lost/);
    await expect(be.read(x.buffer, 'float32', 2)).rejects.toThrow(/device was lost/);
    await expect(be.sync()).rejects.toThrow(/device was lost/);
  });
  it('reports a validation error from a queued kernel at sync and on the next op', async () => {
    const be = await makeBackend();
    try {
      const x = tensor(be, 'float32', [2], [1, 2]);
      const out = empty(be, 'float32', [2]);
      await be.sync();
      // Break the buffer behind core's back: using a destroyed GPUBuffer fails at submit.
      (out.buffer as GPUTensorBuffer).gpu.destroy();
      be.unary('neg', x, out);
      await expect(be.sync()).rejects.toThrow(/GPU validation error/);
      // Reported once; the backend stays usable for healthy buffers.
      const y = empty(be, 'float32', [2]);
      be.unary('neg', x, y);
      expect(await read(be, y)).toEqual([-1, -2]);
    } finally {
      be.destroy();
    }
  });
  it('rejects released and foreign buffers', async () => {
    const be = await makeBackend();
    try {
      const x = tensor(be, 'float32', [2], [1, 2]);
      be.release(x.buffer);
      expect(() => be.unary('neg', x, x)).toThrow(/released buffer/);
      expect(() => be.write({}, 'float32', new Float32Array(1))).toThrow(/does not belong/);
      expect(() => be.write(be.alloc(1, 'float32'), 'float32', new Float32Array(999))).toThrow(
        /write of 999/,
      );
    } finally {
      be.destroy();
    }
  });
  it('has no readSync and a stable name', async () => {
    const be = await makeBackend();
    try {
      expect(be.name).toBe('webgpu');
      expect((be as { readSync?: unknown }).readSync).toBeUndefined();
      expect(typeof be.runtime.subgroups).toBe('boolean');
    } finally {
      be.destroy();
    }
  });
});
