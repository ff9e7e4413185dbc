// The README's "Models in and out", layers to ONNX: a model trained in layers, exported with
// @layers/onnx, served by onnxruntime-node, gives the same predictions; imported back into
// layers with importModel, it gives them too. The batch axis is
// exported as dynamic, so the served model takes any batch size, not only the example's.
//
// Not yet built: enabled once @layers/onnx is merged (see tsconfig.json and vitest.config.ts,
// which leave this file and its test out until then).
import { manualSeed, nn, noGrad, optim, randn, type Tensor, tensor, tidy } from '@layers/core';
import { exportModel, importModel } from '@layers/onnx';
import * as ort from 'onnxruntime-node';

/** Three Gaussian blobs in 4-D, one per class (centres +2 on axis 0, +2 on axis 1, -2 on axis 2). */
export function blobs(n: number): { x: Tensor; labels: Tensor } {
  const classes = Array.from({ length: n }, (_, i) => i % 3);
  const centres = classes.flatMap((c) => [c === 0 ? 2 : 0, c === 1 ? 2 : 0, c === 2 ? -2 : 0, 0]);
  const x = tidy(() =>
    randn([n, 4])
      .mul(0.5)
      .add(tensor(centres).reshape([n, 4])),
  );
  return { x, labels: tensor(classes, { dtype: 'int32' }) };
}

/** Train a small classifier in layers (Adam, cross-entropy) and return it in eval mode. */
export async function trainClassifier(x: Tensor, labels: Tensor, steps = 150): Promise<nn.Module> {
  manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Linear(16, 3));
  const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
  const ce = new nn.CrossEntropyLoss();
  for (let step = 0; step < steps; step++) {
    tidy(() => {
      opt.zeroGrad();
      ce.forward(model.forward(x), labels).backward();
      opt.step();
    });
  }
  return model.eval();
}

/** Export `model` to ONNX with a dynamic batch axis: the bytes of a .onnx file. */
export async function toOnnx(model: nn.Module, example: Tensor): Promise<Uint8Array> {
  return exportModel(model, [example], {
    inputNames: ['features'],
    outputNames: ['logits'],
    dynamicAxes: { features: { 0: 'batch' }, logits: { 0: 'batch' } },
  });
}

/** Run the exported model in onnxruntime-node on `x` [N, 4]; returns the logits row-major. */
export async function serveWithOnnxRuntime(onnx: Uint8Array, x: Tensor): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(onnx);
  const input = new ort.Tensor('float32', (await x.data()) as Float32Array, [...x.shape]);
  const out = await session.run({ features: input });
  return out.logits.data as Float32Array;
}

/** The same logits from layers itself. */
export async function layersLogits(model: nn.Module, x: Tensor): Promise<Float32Array> {
  const y = noGrad(() => model.forward(x) as Tensor);
  const data = (await y.data()) as Float32Array;
  y.dispose();
  return data;
}

/** Read the ONNX file back into layers (importModel) and run it on `x`. */
export async function reimportedLogits(onnx: Uint8Array, x: Tensor): Promise<Float32Array> {
  const imported = importModel(onnx);
  const y = noGrad(() => imported.forward(x) as Tensor);
  const data = (await y.data()) as Float32Array;
  y.dispose();
  return data;
}
