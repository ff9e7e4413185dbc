import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGPUBackend } from '../src/index.js';
import { empty, makeBackend, read, tensor } from './helpers.js';

let be: WebGPUBackend;
beforeAll(async () => {
  be = await makeBackend();
});
afterAll(() => be?.destroy());

describe('smoke', () => {
  it('round-trips and adds', async () => {
    const a = tensor(be, 'float32', [5], [1, 2, 3, 4, 5]);
    const b = tensor(be, 'float32', [5], [10, 20, 30, 40, 50]);
    const o = empty(be, 'float32', [5]);
    be.binary('add', a, b, o);
    expect(await read(be, o)).toEqual([11, 22, 33, 44, 55]);
  });
});
