/**
 * PyTorch checkpoints (fixtures/checkpoints/, written by tooling/fixtures/checkpoints.py
 * with torch.save): every fixture model, float32 and float16, loads with
 * loadTorchCheckpoint + loadStateDict and reproduces PyTorch's eval output; every stored
 * dtype converts as documented; a disallowed pickle global, a truncated archive, the legacy
 * format, an int64 overflow and a shape mismatch are clear errors that leave the model as
 * it was.
 */
import { readFileSync } from 'node:fs';
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { check, expectThrows, type SuiteContext, values } from './context.js';
import { snapshot } from './state-dict.js';

const DIR = new URL('../../fixtures/checkpoints/', import.meta.url);
const readBytes = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));

interface Enc {
  shape: number[];
  dtype: L.DType;
  data: (number | boolean)[];
}
interface ModelCase {
  name: string;
  file: string;
  model: { kind: string };
  dtype: 'float32' | 'float16';
  key?: string;
  input: Enc;
  out: Enc;
}
interface Index {
  models: ModelCase[];
  values: { file: string; tensors: Record<string, Enc & { torchDtype: string }> };
  errors: { file: string; kind: string; fragments: string[] }[];
}

const nn = L.nn;

/** The layers twin of each model built by checkpoints.py's build(), and how to run it. */
const TWINS: Record<string, { make: () => L.nn.Module; run: (m: L.nn.Module, x: L.Tensor) => L.Tensor }> = {
  cnn: {
    make: () => cnn(3),
    run: (m, x) => m.forward(x) as L.Tensor,
  },
  lstm: {
    make: () => new nn.LSTM(3, 5, { numLayers: 2, batchFirst: true }),
    run: (m, x) => (m as L.nn.LSTM).forward(x)[0],
  },
  gru: {
    make: () => new nn.GRU(3, 4, { batchFirst: true, bidirectional: true }),
    run: (m, x) => (m as L.nn.GRU).forward(x)[0],
  },
  transformer: {
    make: () =>
      new nn.TransformerEncoder(
        new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }),
        2,
      ),
    run: (m, x) => m.forward(x) as L.Tensor,
  },
  embedding: {
    make: () =>
      new nn.Sequential(
        new nn.Embedding(10, 4, { paddingIdx: 0 }),
        new nn.Flatten(),
        new nn.Linear(4 * 5, 3),
      ),
    run: (m, x) => m.forward(x) as L.Tensor,
  },
  linear: { make: () => new nn.Linear(3, 2), run: (m, x) => m.forward(x) as L.Tensor },
};

/** checkpoints.py's CNN, with `classes` outputs (3 in the fixtures). */
function cnn(classes: number): L.nn.Module {
  return new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }),
    new nn.BatchNorm2d(4),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(4 * 4 * 4, classes),
  );
}

const toTensor = (e: Enc) => L.tensor(e.data as number[], { dtype: e.dtype }).reshape(e.shape);

/**
 * float32 forward passes against a float64 reference: a few ulps per op, accumulated over
 * the model's depth (the transformer's two layers of attention, layer norm and feed-forward).
 */
const ATOL = 2e-5;
const RTOL = 2e-5;

export function checkpointBehaviour(ctx: SuiteContext): void {
  describe('checkpoints', () => {
    const c = (title: string, fn: () => Promise<void> | void) => check(ctx, 'checkpoints', title, fn);
    const index = () => JSON.parse(readFileSync(new URL('index.json', DIR), 'utf8')) as Index;

    for (const name of ['cnn', 'lstm', 'gru', 'transformer', 'embedding', 'nested', 'shared-storage']) {
      c(`${name}: torch.save checkpoints load and reproduce PyTorch's eval output`, async () => {
        const cases = index().models.filter((m) => m.name === name || m.name.startsWith(`${name}-`));
        expect(cases.length).toBeGreaterThan(0);
        for (const mc of cases) {
          const twin = TWINS[mc.model.kind];
          const m = twin.make();
          const dict = nn.loadTorchCheckpoint(readBytes(mc.file), mc.key ? { key: mc.key } : {});
          expect(Object.keys(dict).sort(), mc.name).toEqual(Object.keys(m.stateDict()).sort());
          m.loadStateDict(dict);
          for (const t of Object.values(dict)) t.dispose();
          m.eval();
          const x = toTensor(mc.input);
          const y = L.noGrad(() => twin.run(m, x));
          expect(y.shape, mc.name).toEqual(mc.out.shape);
          const got = await values(y);
          const want = mc.out.data as number[];
          for (let i = 0; i < want.length; i++) {
            const tol = ATOL + RTOL * Math.abs(want[i]);
            if (!(Math.abs(got[i] - want[i]) <= tol)) {
              throw new Error(`${mc.name}: output[${i}] = ${got[i]}, PyTorch ${want[i]} (tolerance ${tol})`);
            }
          }
          x.dispose();
          y.dispose();
        }
      });
    }

    c('BatchNorm num_batches_tracked arrives from int64 as int32 with its value', async () => {
      const dict = nn.loadTorchCheckpoint(readBytes('cnn-float32.pt'));
      const nbt = dict['1.num_batches_tracked'];
      expect(nbt.dtype).toBe('int32');
      expect(nbt.shape).toEqual([]);
      expect(await nbt.item()).toBe(3); // checkpoints.py runs three training batches
    });

    c(
      'every storage dtype converts as documented (float16/bfloat16 exactly, float64 rounded with a note)',
      async () => {
        const { file, tensors } = index().values;
        const notes: string[] = [];
        const dict = nn.loadTorchCheckpoint(readBytes(file), { onWarning: (m) => notes.push(m) });
        expect(Object.keys(dict).sort()).toEqual(Object.keys(tensors).sort());
        for (const [k, e] of Object.entries(tensors)) {
          const t = dict[k];
          expect(t.shape, k).toEqual(e.shape);
          expect(t.dtype, k).toBe(e.dtype);
          // The fixture holds the exact stored values (float16/bfloat16 upcast exactly); only
          // float64 is rounded, to the nearest float32.
          const want = e.data.map((v) => (e.dtype === 'float32' ? Math.fround(v as number) : Number(v)));
          expect(await values(t), k).toEqual(want);
        }
        expect(notes.length).toBe(1);
        expect(notes[0]).toContain('float64');
        expect(notes[0]).toContain('f64');
      },
    );

    c('a nested checkpoint needs the part named, and says which parts there are', () => {
      expectThrows(
        () => nn.loadTorchCheckpoint(readBytes('nested.pt')),
        '"model" is a dict',
        "{ key: 'model' }",
      );
      expectThrows(
        () => nn.loadTorchCheckpoint(readBytes('nested.pt'), { key: 'weights' }),
        '"weights"',
        '"model"',
        '"optimizer"',
      );
      expectThrows(
        () => nn.loadTorchCheckpoint(readBytes('nested.pt'), { key: 'epoch' }),
        'entry "epoch" is 3',
      );
    });

    c('a bad checkpoint is a clear error and leaves the model unchanged', async () => {
      for (const e of index().errors) {
        const m = TWINS.cnn.make();
        const before = await snapshot(m);
        expectThrows(() => m.loadStateDict(nn.loadTorchCheckpoint(readBytes(e.file))), ...e.fragments);
        expect(await snapshot(m), e.file).toEqual(before);
      }
    });

    c('a checkpoint with mismatched shapes is a clear error and leaves the model unchanged', async () => {
      // The fixture CNN's head is Linear(64, 3); this model's is Linear(64, 5). Its conv and
      // BatchNorm tensors come first in the dict and match, so a half load would change them.
      const m = cnn(5);
      const before = await snapshot(m);
      const dict = nn.loadTorchCheckpoint(readBytes('cnn-float32.pt'));
      expectThrows(
        () => m.loadStateDict(dict),
        'size mismatch for 5.weight',
        '[3, 64]',
        '[5, 64]',
        'size mismatch for 5.bias',
      );
      expect(await snapshot(m)).toEqual(before);
      for (const t of Object.values(dict)) t.dispose();
    });

    c('a cut or corrupted archive is a clear error, never a wrong weight', async () => {
      expectThrows(() => nn.loadTorchCheckpoint(new Uint8Array([1, 2, 3, 4, 5])), 'not a torch.save archive');
      expectThrows(() => nn.loadTorchCheckpoint(new Uint8Array(0)), 'not a torch.save archive');
      // Every prefix and every single flipped byte of a whole checkpoint: each is an error
      // with a reason (never a JavaScript internal, never a hang) or, where the byte does not
      // matter (a timestamp, padding), exactly the clean values: never a wrong weight.
      const whole = readBytes('shared-storage.pt');
      const clean = nn.loadTorchCheckpoint(whole);
      const cleanValues: Record<string, number[]> = {};
      for (const [k, t] of Object.entries(clean)) cleanValues[k] = await values(t);
      const reason =
        /^loadTorchCheckpoint: .*(truncated|corrupt|not a torch\.save|no entry|not allowed|not supported|malformed|reaches past|storage|legacy|opcode|pickle|memo|STOP|MARK|stack|dict|list|tuple|persistent|global|archive)/s;
      for (let n = 0; n < whole.length; n += 7)
        expectThrows(() => nn.loadTorchCheckpoint(whole.subarray(0, n)), reason);
      for (let i = 0; i < whole.length; i++) {
        const b = whole.slice();
        b[i] ^= 0xff;
        let dict: Record<string, L.Tensor>;
        try {
          dict = nn.loadTorchCheckpoint(b);
        } catch (e) {
          if (!reason.test((e as Error).message))
            throw new Error(`byte ${i} flipped: ${(e as Error).message}`);
          continue;
        }
        expect(Object.keys(dict), `byte ${i} flipped`).toEqual(Object.keys(clean));
        for (const [k, t] of Object.entries(dict)) {
          expect(await values(t), `byte ${i} flipped: ${k}`).toEqual(cleanValues[k]);
          t.dispose();
        }
      }
    });
  });
}
