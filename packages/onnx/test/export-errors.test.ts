/**
 * What exportModel refuses (each a clear error naming the module), coverage of every nn
 * module class by the case table, the declared input/output shapes, eval mode during export,
 * and a check that the runtime comparison itself catches a wrong model.
 */
import { F, nn, randint, randn, type Tensor } from '@layers/core';

import { beforeAll, describe, expect, it } from 'vitest';
import { decodeModel, exportModel, int64ToNumber, registerExporter, type Value } from '../src/index.js';
import { GROUPS } from './export-groups.js';
import { compareWithRuntimes, useCpu } from './export-helpers.js';

const { maxPool2d } = F;

beforeAll(useCpu);

/** Containers without a forward: they export only inside a layers module that iterates them. */
const REFUSED = [
  'ModuleDict',
  'ModuleList',
  'MultiLabelMarginLoss',
  'EmbeddingBag',
  'CTCLoss',
  'Fold',
  'MaxUnpool1d',
  'MaxUnpool2d',
  'MaxUnpool3d',
];

describe('exportModel coverage', () => {
  it('has a case for every module class exported by nn, or a refusal test', () => {
    const classes = Object.entries(nn)
      .filter(([, v]) => typeof v === 'function' && v.prototype instanceof nn.Module)
      .map(([k]) => k)
      .sort();
    const covered = new Set(Object.values(GROUPS).flatMap((cs) => cs.map((c) => c.cls)));
    const missing = classes.filter((c) => !covered.has(c) && !REFUSED.includes(c));
    expect(missing).toEqual([]);
    // The table names real classes only.
    expect([...covered].filter((c) => !classes.includes(c))).toEqual([]);
    expect(classes.length).toBeGreaterThan(80);
  });

  it('checks every class at two sizes of a dynamic axis at least once', () => {
    const dynamic = new Set(
      Object.values(GROUPS)
        .flat()
        .filter(
          (c) => (c.opts?.sizes ?? [2, 3]).length >= 2 && Object.keys(c.opts?.dynamicAxes ?? {}).length > 0,
        )
        .map((c) => c.cls),
    );
    const all = new Set(Object.values(GROUPS).flatMap((cs) => cs.map((c) => c.cls)));
    expect([...all].filter((c) => !dynamic.has(c))).toEqual([]);
  });
});

class TwoLayer extends nn.Module {
  readonly a = this.registerModule('a', new nn.Linear(3, 3));
  forward(x: Tensor): Tensor {
    return this.a.forward(x).relu();
  }
}
class ScaledLinear extends nn.Linear {
  override forward(x: Tensor): Tensor {
    return super.forward(x).mul(2);
  }
}
/** A residual MLP block with its own forward, exported through registerExporter. */
class Residual extends nn.Module {
  readonly fc1 = this.registerModule('fc1', new nn.Linear(4, 8));
  readonly act = this.registerModule('act', new nn.GELU());
  readonly fc2 = this.registerModule('fc2', new nn.Linear(8, 4));
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.act.forward(this.fc1.forward(x))).add(x);
  }
}
registerExporter(Residual, (g, m, [x]) => {
  const h: Value = g.call(m.fc2, [g.call(m.act, [g.call(m.fc1, [x])])]);
  return g.op('Add', [h.name, (x as Value).name]);
});

/** Keeps Linear's forward: exports as a Linear. */
class NamedLinear extends nn.Linear {}

describe('exportModel refuses', () => {
  const x = () => randn([2, 3]);
  it('a custom module, by class and path', async () => {
    await expect(exportModel(new nn.Sequential(new nn.ReLU(), new TwoLayer()), [x()])).rejects.toThrow(
      /cannot export TwoLayer \('1'\): no ONNX exporter for TwoLayer/,
    );
  });
  it('a subclass that overrides forward', async () => {
    await expect(exportModel(new ScaledLinear(3, 2), [x()])).rejects.toThrow(
      /ScaledLinear.*overrides forward of Linear/,
    );
  });
  it('ModuleList and ModuleDict (no forward)', async () => {
    await expect(exportModel(new nn.ModuleList([new nn.ReLU()]), [x()])).rejects.toThrow(
      /ModuleList \(the exported module\): it has no forward/,
    );
    await expect(exportModel(new nn.ModuleDict({ r: new nn.ReLU() }), [x()])).rejects.toThrow(
      /ModuleDict \(the exported module\): it has no forward/,
    );
  });
  it('LSTM with projSize', async () => {
    await expect(exportModel(new nn.LSTM(3, 4, { projSize: 2 }), [randn([5, 2, 3])])).rejects.toThrow(
      /LSTM.*projSize/,
    );
  });
  it('adaptive max pools with returnIndices', async () => {
    const adaptive = new nn.AdaptiveMaxPool1d(2, { returnIndices: true });
    await expect(exportModel(adaptive, [randn([1, 2, 4])])).rejects.toThrow(
      /AdaptiveMaxPool1d.*returnIndices/,
    );
  });
  it('an adaptive pool over a dynamic spatial axis', async () => {
    const m = new nn.Sequential(new nn.AdaptiveAvgPool2d(2));
    await expect(exportModel(m, [randn([1, 2, 5, 5])], { dynamicAxes: { input: [0, 2] } })).rejects.toThrow(
      /AdaptiveAvgPool2d \('0'\) needs input dim 2 to be static/,
    );
  });
  it('a transformer layer with a plain-function activation', async () => {
    const layer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, activation: (t) => t.tanh() });
    await expect(exportModel(layer, [randn([3, 2, 4])])).rejects.toThrow(
      /TransformerEncoderLayer.*plain function/,
    );
  });
  it('the multi-label hinge loss, and the multi-class one on unbatched input, by name', async () => {
    const t = randint(0, 3, [], { dtype: 'int32' });
    await expect(exportModel(new nn.MultiMarginLoss(), [randn([3]), t])).rejects.toThrow(
      /cannot export MultiMarginLoss \(the exported module\) on a 1-D input/,
    );
    await expect(
      exportModel(new nn.MultiLabelMarginLoss(), [randn([2, 3]), randint(0, 3, [2, 3], { dtype: 'int32' })]),
    ).rejects.toThrow(
      /cannot export MultiLabelMarginLoss \(the exported module\): MultiLabelMarginLoss has no ONNX export/,
    );
  });
  it('MaxUnpool (ONNX indexes the whole tensor)', async () => {
    const [v, i] = maxPool2d(randn([1, 2, 4, 4]), 2, { returnIndices: true });
    await expect(exportModel(new nn.MaxUnpool2d(2), [v, i])).rejects.toThrow(
      /cannot export MaxUnpool2d \(the exported module\): MaxUnpool2d has no ONNX export/,
    );
  });
  it('CTCLoss', async () => {
    const lp = randn([4, 2, 3]);
    const t = randint(1, 3, [2, 2], { dtype: 'int32' });
    const lens = randint(2, 3, [2], { dtype: 'int32' });
    await expect(exportModel(new nn.CTCLoss(), [lp, t, lens.add(2), lens])).rejects.toThrow(
      /cannot export CTCLoss \(the exported module\): CTCLoss has no ONNX export/,
    );
  });
  it('EmbeddingBag', async () => {
    const idx = randint(0, 4, [2, 3], { dtype: 'int32' });
    await expect(exportModel(new nn.EmbeddingBag(4, 2), [idx])).rejects.toThrow(
      /cannot export EmbeddingBag \(the exported module\): EmbeddingBag has no ONNX export/,
    );
  });
  it('Fold (Col2Im is opset 18)', async () => {
    await expect(exportModel(new nn.Fold([3, 3], 2), [randn([1, 8, 4])])).rejects.toThrow(
      /cannot export Fold \(the exported module\): Fold has no ONNX export before Col2Im/,
    );
  });
  it('class losses on unbatched inputs', async () => {
    const target = randint(0, 3, [], { dtype: 'int32' });
    await expect(exportModel(new nn.CrossEntropyLoss(), [randn([3]), target])).rejects.toThrow(
      /CrossEntropyLoss \(the exported module\) on a 1-D \(unbatched\) input/,
    );
  });
  it('bad options', async () => {
    const lin = new nn.Linear(3, 2);
    await expect(exportModel(lin, [x()], { opsetVersion: 12 })).rejects.toThrow(
      /opsetVersion must be an integer from 13 to 17, got 12/,
    );
    await expect(exportModel(lin, [x()], { opsetVersion: 18 })).rejects.toThrow(/got 18/);
    await expect(exportModel(lin, [x()], { inputNames: ['a', 'b'] })).rejects.toThrow(
      /inputNames has 2 names.*1 tensors/,
    );
    await expect(exportModel(lin, [x()], { outputNames: ['a', 'b'] })).rejects.toThrow(
      /outputNames has 2 names.*1 tensors/,
    );
    await expect(exportModel(lin, [x()], { dynamicAxes: { input: [2] } })).rejects.toThrow(/axis 2.*rank 2/);
    await expect(exportModel(lin, [randn([2, 4])])).rejects.toThrow(/Linear/);
  });
});

describe('exportModel graph', () => {
  it('declares dynamic axes as symbolic dims, the rest as sizes, with the given names', async () => {
    const m = new nn.Sequential(new nn.Conv1d(2, 3, 3), new nn.Flatten());
    const bytes = await exportModel(m, [randn([4, 2, 7])], {
      inputNames: ['signal'],
      outputNames: ['features'],
      dynamicAxes: { signal: { 0: 'batch' } },
    });
    const g = decodeModel(bytes).graph!;
    const dims = (v: typeof g.input) =>
      v![0].type!.tensorType!.shape!.dim!.map((d) => d.dimParam || int64ToNumber(d.dimValue as number));
    expect(g.input![0].name).toBe('signal');
    expect(dims(g.input)).toEqual(['batch', 2, 7]);
    expect(g.output![0].name).toBe('features');
    // The batch follows the dynamic input; 3 * 5 features are fixed.
    expect(dims(g.output)).toEqual(['features_dim0', 15]);
    expect(int64ToNumber(decodeModel(bytes).opsetImport![0].version as number)).toBe(17);
  });

  it('names initialisers by state-dict key, parameters only (constants are Constant nodes)', async () => {
    const m = new nn.Sequential(
      new nn.Linear(3, 4),
      new nn.BatchNorm1d(4),
      new nn.GELU(),
      new nn.Linear(4, 2),
    );
    const g = decodeModel(await exportModel(m, [randn([2, 3])])).graph!;
    expect(g.initializer!.map((t) => t.name).sort()).toEqual(
      [
        '0.bias',
        '0.weight',
        '1.bias',
        '1.running_mean',
        '1.running_var',
        '1.weight',
        '3.bias',
        '3.weight',
      ].sort(),
    );
    expect(g.node!.some((n) => n.opType === 'Constant')).toBe(true);
  });

  it('exports in eval mode and restores the training flag', async () => {
    const m = new nn.Sequential(new nn.Linear(3, 3), new nn.Dropout({ p: 0.9 }));
    m.train();
    const bytes = await exportModel(m, [randn([2, 3])]);
    expect(m.training).toBe(true);
    expect(m.at(1).training).toBe(true);
    m.eval();
    await compareWithRuntimes(bytes, m, () => [randn([2, 3])], [2]);
  });

  it('exports a subclass that keeps the forward of its layers class', async () => {
    const m = new NamedLinear(3, 2);
    const bytes = await exportModel(m, [randn([2, 3])], { dynamicAxes: { input: [0] } });
    await compareWithRuntimes(bytes, m, (n) => [randn([n, 3])], [2, 5]);
  });

  it('exports a custom module through its registered exporter, inside a Sequential', async () => {
    const m = new nn.Sequential(new Residual(), new nn.ReLU(), new Residual());
    const bytes = await exportModel(m, [randn([2, 3, 4])], { dynamicAxes: { input: [0, 1] } });
    await compareWithRuntimes(bytes, m, (n) => [randn([n, n + 1, 4])], [2, 3]);
  });

  it('the runtime comparison fails when the exported model is wrong', async () => {
    const m = new nn.Linear(3, 2);
    const bytes = await exportModel(m, [randn([2, 3])]);
    nn.init.constant_(m.weight, 0.25);
    await expect(compareWithRuntimes(bytes, m, () => [randn([2, 3])], [2])).rejects.toThrow(/element \d+ is/);
  });
});
