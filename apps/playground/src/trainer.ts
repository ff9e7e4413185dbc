/** The training loop of apps/mnist, reshaped for a page: callbacks, yielding, stopping. */
import {
  type Backend,
  manualSeed,
  nn,
  noGrad,
  optim,
  setBackend,
  type Tensor,
  tensor,
  tidy,
} from '@layers/core';
import { createModel } from '@layers/mnist/model';
import { batch, type Dataset, IMAGE_SIZE, PIXELS, shuffledIndices } from './data.js';

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** Live test accuracy this many times per epoch (on a balanced prefix), plus the full set at the end. */
  evalsPerEpoch: number;
}

export interface Hooks {
  /** `seen`: training samples consumed so far. */
  onLoss(seen: number, loss: number): void;
  onAccuracy(seen: number, accuracy: number, final: boolean): void;
  shouldStop(): boolean;
}

/** Let the page paint between steps; CPU and WASM kernels otherwise hold the main thread. */
const nextFrame = () => new Promise<void>((r) => setTimeout(r, 0));

function toTensors(x: Float32Array, y: Int32Array): [Tensor, Tensor] {
  return [tensor(x, { shape: [y.length, 1, IMAGE_SIZE, IMAGE_SIZE] }), tensor(y, { shape: [y.length] })];
}

export async function evaluate(
  model: nn.Module,
  data: Dataset,
  limit = data.size,
  batchSize = 250,
): Promise<number> {
  model.eval();
  const n = Math.min(limit, data.size);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let correct = 0;
  for (let start = 0; start < n; start += batchSize) {
    const { x, y } = batch(data, order, start, Math.min(start + batchSize, n));
    const hits = noGrad(() =>
      tidy(() => {
        const [xb, yb] = toTensors(x, y);
        return (model.forward(xb) as Tensor).argmax(1).eq(yb).sum();
      }),
    );
    correct += Number(await hits.item());
    hits.dispose();
  }
  model.train();
  return correct / n;
}

/** Dispose a model's parameters and buffers (running statistics) on its backend. */
export function disposeModel(model: nn.Module): void {
  for (const t of [...model.parameters(), ...model.buffers()]) if (!t.isDisposed) t.dispose();
}

export async function train(
  backend: Backend,
  data: { train: Dataset; test: Dataset },
  cfg: TrainConfig,
  hooks: Hooks,
) {
  setBackend(backend);
  manualSeed(cfg.seed);
  const model = createModel();
  const optimizer = new optim.Adam(model.parameters(), { lr: cfg.lr });
  const criterion = new nn.CrossEntropyLoss();
  const steps = Math.ceil(data.train.size / cfg.batchSize);
  const evalEvery = Math.max(1, Math.floor(steps / Math.max(1, cfg.evalsPerEpoch)));
  // The live accuracy uses a balanced prefix of the test set so it stays cheap.
  const liveLimit = Math.min(data.test.size, 200);
  let seen = 0;
  let stopped = false;
  model.train();
  outer: for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
    const order = shuffledIndices(data.train.size, cfg.seed * 1000 + epoch);
    for (let step = 0; step < steps; step++) {
      if (hooks.shouldStop()) {
        stopped = true;
        break outer;
      }
      const start = step * cfg.batchSize;
      const { x, y } = batch(data.train, order, start, Math.min(start + cfg.batchSize, data.train.size));
      const loss = tidy(() => {
        optimizer.zeroGrad();
        const [xb, yb] = toTensors(x, y);
        const l = criterion.forward(model.forward(xb) as Tensor, yb) as Tensor;
        l.backward();
        optimizer.step();
        return l;
      });
      seen += y.length;
      // Reading back waits for the device; every few steps is enough for the chart.
      if (step % 4 === 0 || step === steps - 1) hooks.onLoss(seen, Number(await loss.item()));
      loss.dispose();
      if ((step + 1) % evalEvery === 0 && step !== steps - 1) {
        hooks.onAccuracy(seen, await evaluate(model, data.test, liveLimit), false);
      }
      await nextFrame();
    }
    hooks.onAccuracy(seen, await evaluate(model, data.test), true);
  }
  model.eval();
  return { model, stopped };
}

/** Class probabilities for one normalised 28x28 image. */
export async function predict(model: nn.Module, backend: Backend, image: Float32Array): Promise<number[]> {
  if (image.length !== PIXELS) throw new Error(`predict: expected ${PIXELS} pixels, got ${image.length}`);
  setBackend(backend);
  model.eval();
  const logits = noGrad(() =>
    tidy(() => model.forward(tensor(image, { shape: [1, 1, IMAGE_SIZE, IMAGE_SIZE] })) as Tensor),
  );
  const values = Array.from(await logits.data());
  logits.dispose();
  // Softmax in float64 here: ten numbers, and it keeps the bars exact.
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}
