/**
 * State-dict robustness: loadStateDict checks everything before it changes anything (no
 * half loads); malformed safetensors headers are errors naming the tensor and the field;
 * int64 buffers (num_batches_tracked) are written as I64, as PyTorch writes them (the
 * PyTorch-written fixtures/nn-basic/model.safetensors is the reference), and read back.
 */
import { readFileSync } from 'node:fs';
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { check, expectThrows, type SuiteContext, values } from './context.js';

const nn = L.nn;

/** A safetensors file with the given header (any JSON) and `data` bytes after it. */
function safetensors(header: unknown, data = 0): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

function headerOf(
  bytes: Uint8Array,
): Record<string, { dtype: string; shape: number[]; data_offsets: number[] }> {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
}

/** Every value of a module's state dict, to prove a failed load changed nothing. */
export async function snapshot(m: L.nn.Module): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(m.stateDict())) out[k] = await values(t);
  return out;
}

export function stateDictBehaviour(ctx: SuiteContext): void {
  describe('state-dict', () => {
    const c = (title: string, fn: () => Promise<void> | void) => check(ctx, 'state-dict', title, fn);

    c(
      'loadStateDict that fails on a later tensor has changed nothing (disposed, wrong type, lossy dtype)',
      async () => {
        const make = () => new nn.Sequential(new nn.Linear(2, 3), new nn.BatchNorm1d(3));
        const m = make();
        const before = await snapshot(m);
        const source = make();
        L.noGrad(() => {
          for (const t of Object.values(source.stateDict())) L.nn.init.constant_(t, 7);
        });
        const good = () => ({ ...source.stateDict() });
        // 0.weight comes first and is valid; a later entry is not.
        const disposed = good();
        disposed['0.bias'] = L.zeros([3]);
        disposed['0.bias'].dispose();
        expectThrows(() => m.loadStateDict(disposed), '0.bias', 'disposed');
        expect(await snapshot(m)).toEqual(before);

        const notTensor = { ...good(), '1.running_mean': [1, 2, 3] as unknown as L.Tensor };
        expectThrows(() => m.loadStateDict(notTensor), '1.running_mean', 'not a Tensor');
        expect(await snapshot(m)).toEqual(before);

        const lossy = { ...good(), '1.num_batches_tracked': L.tensor(2.5) };
        expectThrows(
          () => m.loadStateDict(lossy),
          'dtype mismatch for 1.num_batches_tracked',
          'float32',
          'int32',
        );
        expect(await snapshot(m)).toEqual(before);

        // Non-strict still refuses a bad tensor, and still reports the keys it skipped.
        expectThrows(
          () => m.loadStateDict({ ...disposed, extra: L.zeros([1]) }, { strict: false }),
          'disposed',
        );
        expect(await snapshot(m)).toEqual(before);
        const partial = m.loadStateDict(
          { '0.weight': good()['0.weight'], extra: L.zeros([1]) },
          { strict: false },
        );
        expect(partial.unexpectedKeys).toEqual(['extra']);
        expect(partial.missingKeys).toContain('0.bias');
        expect(await values(m.stateDict()['0.weight'])).toEqual(new Array(6).fill(7));
        expect(await values(m.stateDict()['0.bias'])).toEqual(before['0.bias']);

        // A valid dict loads everything, casting int32 into float32.
        const ok = { ...good(), '0.bias': L.tensor([1, 2, 3], { dtype: 'int32' }) };
        m.loadStateDict(ok);
        expect(await values(m.stateDict()['0.bias'])).toEqual([1, 2, 3]);
        expect(await values(m.stateDict()['1.num_batches_tracked'])).toEqual([7]);
      },
    );

    c('malformed safetensors headers are errors naming the tensor and the field', () => {
      const load =
        (header: unknown, data = 0) =>
        () =>
          nn.loadSafetensors(safetensors(header, data));
      const w = (e: unknown) => ({ w: e });
      expectThrows(load([1, 2]), 'header must be a JSON object', 'an array');
      expectThrows(load(null), 'header must be a JSON object', 'null');
      expectThrows(load(w({ dtype: 'F32', shape: [2] }), 8), 'tensor "w"', 'data_offsets', 'missing');
      expectThrows(load(w({ dtype: 'F32', data_offsets: [0, 8] }), 8), 'tensor "w"', 'shape', 'missing');
      expectThrows(
        load(w({ dtype: 'F32', shape: [2], data_offsets: [-8, 0] }), 8),
        'tensor "w"',
        'data_offsets',
        '[-8,0]',
      );
      expectThrows(
        load(w({ dtype: 'F32', shape: [2], data_offsets: [0, 16] }), 8),
        'tensor "w"',
        '[0, 16]',
        '8 bytes',
      );
      expectThrows(load(w({ dtype: 'F32', shape: [2], data_offsets: [8, 0] }), 8), 'tensor "w"', '[8, 0]');
      expectThrows(
        load(w({ dtype: 'F8', shape: [2], data_offsets: [0, 2] }), 2),
        'tensor "w"',
        'dtype "F8"',
        'F32',
      );
      expectThrows(
        load(w({ dtype: 'f32', shape: [2], data_offsets: [0, 8] }), 8),
        'tensor "w"',
        'dtype "f32"',
        '"F32"',
      );
      expectThrows(load(w({ shape: [2], data_offsets: [0, 8] }), 8), 'tensor "w"', 'dtype missing');
      expectThrows(
        load(w({ dtype: 'F32', shape: [2, -1], data_offsets: [0, 8] }), 8),
        'tensor "w"',
        'shape',
        '[2,-1]',
      );
      expectThrows(
        load(w({ dtype: 'F32', shape: [3], data_offsets: [0, 8] }), 8),
        'tensor "w"',
        '8 bytes, expected 12',
      );
      expectThrows(load(w(7)), 'tensor "w"', 'must be an object');
      expectThrows(load({ __metadata__: { a: 1 } }), '__metadata__', 'strings');
      const tooLong = safetensors({});
      new DataView(tooLong.buffer).setBigUint64(0, 1n << 60n, true);
      expectThrows(() => nn.loadSafetensors(tooLong), 'header length', 'exceeds the file size');
    });

    c('int64 buffers are saved as I64 like PyTorch and load back as int32', async () => {
      // PyTorch's own file for a model with BatchNorm1d at index 3 (nn_basic.py).
      const torchFile = new Uint8Array(
        readFileSync(new URL('../../fixtures/nn-basic/model.safetensors', import.meta.url)),
      );
      const torchDtype = headerOf(torchFile)['3.num_batches_tracked'].dtype;
      expect(torchDtype).toBe('I64');
      const m = new nn.Sequential(
        new nn.Linear(2, 3),
        new nn.ReLU(),
        new nn.Linear(3, 3),
        new nn.BatchNorm1d(3),
      );
      m.train();
      for (let i = 0; i < 5; i++) L.tidy(() => void m.forward(L.randn([4, 2])));
      const bytes = await nn.saveSafetensors(m.stateDict());
      const header = headerOf(bytes);
      expect(header['3.num_batches_tracked']).toMatchObject({ dtype: torchDtype, shape: [] });
      const [b, e] = header['3.num_batches_tracked'].data_offsets;
      expect(e - b).toBe(8);
      expect(header['0.weight'].dtype).toBe('F32');
      const back = nn.loadSafetensors(bytes);
      expect(back['3.num_batches_tracked'].dtype).toBe('int32');
      expect(await back['3.num_batches_tracked'].item()).toBe(5);
      const fresh = new nn.Sequential(
        new nn.Linear(2, 3),
        new nn.ReLU(),
        new nn.Linear(3, 3),
        new nn.BatchNorm1d(3),
      );
      fresh.loadStateDict(back);
      expect(await snapshot(fresh)).toEqual(await snapshot(m));
      // A plain int32 tensor stays I32.
      expect(headerOf(await nn.saveSafetensors({ a: L.tensor([1], { dtype: 'int32' }) })).a.dtype).toBe(
        'I32',
      );
    });
  });
}
