import { readFileSync } from 'node:fs';
import { createCpuBackend } from '@layers/backend-cpu';
import { nn, setBackend, tensor } from '@layers/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { logitsFromTorchCheckpoint, toPyTorch, torchCnnTwin } from '../src/torch-checkpoint.js';

// The checkpoint, the input and PyTorch's logits come from tooling/fixtures/checkpoints.py
// (torch 1.13, float64 reference from the stored float32 weights).
const DIR = new URL('../../../packages/conformance/fixtures/checkpoints/', import.meta.url);
interface Enc {
  shape: number[];
  data: number[];
}
const fixture = (name: string) => {
  const index = JSON.parse(readFileSync(new URL('index.json', DIR), 'utf8')) as {
    models: { name: string; file: string; input: Enc; out: Enc }[];
  };
  const m = index.models.find((c) => c.name === name);
  if (!m) throw new Error(`no fixture ${name}`);
  return { ...m, bytes: new Uint8Array(readFileSync(new URL(m.file, DIR))) };
};

describe('Models in and out: PyTorch checkpoint -> layers -> PyTorch', () => {
  beforeAll(async () => setBackend(await createCpuBackend()));

  it("a torch.save checkpoint gives PyTorch's logits and predictions", async () => {
    for (const name of ['cnn-float32', 'cnn-float16']) {
      const f = fixture(name);
      const images = tensor(f.input.data).reshape(f.input.shape);
      const logits = logitsFromTorchCheckpoint(f.bytes, images);
      expect(logits.shape).toEqual(f.out.shape);
      const got = Array.from(await logits.data());
      // float32 against PyTorch's float64: a conv, a batch norm and a linear layer of rounding.
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - f.out.data[i])).toBeLessThan(1e-5);
      const argmax = (v: number[], row: number) => {
        const r = v.slice(row * 3, row * 3 + 3);
        return r.indexOf(Math.max(...r));
      };
      for (let row = 0; row < f.out.shape[0]; row++) expect(argmax(got, row)).toBe(argmax(f.out.data, row));
    }
  });

  it('the state dict goes back as safetensors with PyTorch keys and dtypes', async () => {
    const f = fixture('cnn-float32');
    const model = torchCnnTwin();
    model.loadStateDict(nn.loadTorchCheckpoint(f.bytes));
    const bytes = await toPyTorch(model);
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header['1.num_batches_tracked'].dtype).toBe('I64'); // as torch.save keeps it
    expect(header['0.weight']).toMatchObject({ dtype: 'F32', shape: [4, 1, 3, 3] });
    const back = nn.loadSafetensors(bytes);
    const again = nn.loadTorchCheckpoint(f.bytes);
    for (const [k, t] of Object.entries(again))
      expect(Array.from(await back[k].data()), k).toEqual(Array.from(await t.data()));
  });
});
