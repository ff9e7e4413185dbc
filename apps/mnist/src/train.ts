/** Training and evaluation loops, shared by the CLI and the tests. */
import { autocast, GradScaler, manualSeed, nn, noGrad, optim, type Tensor, tensor, tidy } from '@layers/core';
import { batch, type Dataset, IMAGE_SIZE } from './data.js';
import { createModel } from './model.js';
import { Progress } from './progress.js';
import { shuffledIndices } from './shuffle.js';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** Random shifts of up to 2 pixels (default on). */
  augment?: boolean;
  /** Print a progress bar and per-epoch accuracy. */
  log?: (line: string) => void;
  progress?: boolean;
  /**
   * Mixed precision: forward and loss under autocast in this dtype; float16 also scales the
   * loss with a GradScaler (bfloat16 has float32's range and needs none, as in PyTorch).
   */
  amp?: 'float16' | 'bfloat16';
}

export interface EpochResult {
  epoch: number;
  loss: number;
  accuracy: number;
  samplesPerSecond: number;
}

function toTensors(x: Float32Array, y: Int32Array): [Tensor, Tensor] {
  return [tensor(x, { shape: [y.length, 1, IMAGE_SIZE, IMAGE_SIZE] }), tensor(y, { shape: [y.length] })];
}

/** Fraction of `data` the model classifies correctly (eval mode, no gradients). */
export async function evaluate(model: nn.Module, data: Dataset, batchSize = 500): Promise<number> {
  model.eval();
  const order = Int32Array.from({ length: data.size }, (_, i) => i);
  let correct = 0;
  for (let start = 0; start < data.size; start += batchSize) {
    const { x, y } = batch(data, order, start, Math.min(start + batchSize, data.size));
    const hits = noGrad(() =>
      tidy(() => {
        const [xb, yb] = toTensors(x, y);
        return (model.forward(xb) as Tensor).argmax(1).eq(yb).sum();
      }),
    );
    correct += Number(await hits.item());
    hits.dispose();
  }
  return correct / data.size;
}

export async function train(
  train: Dataset,
  test: Dataset,
  opts: TrainOptions,
): Promise<{ model: nn.Sequential; history: EpochResult[] }> {
  manualSeed(opts.seed);
  const model = createModel();
  const optimizer = new optim.Adam(model.parameters(), { lr: opts.lr });
  const criterion = new nn.CrossEntropyLoss();
  const steps = Math.ceil(train.size / opts.batchSize);
  // Cosine annealing over every step: large steps early, fine ones at the end.
  const schedule = new optim.CosineAnnealingLR(optimizer, opts.epochs * steps);
  const history: EpochResult[] = [];
  const scaler = new GradScaler({ enabled: opts.amp === 'float16' });
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    model.train();
    const order = shuffledIndices(train.size, opts.seed * 1000 + epoch);
    const bar = opts.progress ? new Progress(`epoch ${epoch}/${opts.epochs}`, steps) : null;
    const started = performance.now();
    let lossSum = 0;
    let lossCount = 0;
    for (let step = 0; step < steps; step++) {
      const start = step * opts.batchSize;
      const augment =
        (opts.augment ?? true)
          ? { shift: 2, seed: opts.seed * 1_000_003 + epoch * 10_007 + step }
          : undefined;
      const { x, y } = batch(train, order, start, Math.min(start + opts.batchSize, train.size), augment);
      const amp = opts.amp;
      const loss = tidy(() => {
        optimizer.zeroGrad();
        const [xb, yb] = toTensors(x, y);
        const forward = () => criterion.forward(model.forward(xb) as Tensor, yb) as Tensor;
        const l = amp ? autocast(forward, { dtype: amp }) : forward();
        if (!amp) {
          l.backward();
          optimizer.step();
          return l;
        }
        scaler.scale(l).backward();
        scaler.unscale(optimizer);
        return l;
      });
      if (amp) {
        // Skips the step when a float16 gradient overflowed (one awaited flag readback).
        await scaler.step(optimizer);
        scaler.update();
      }
      schedule.step();
      // Reading the loss back waits for the device; do it every few steps only.
      if (step % 10 === 0 || step === steps - 1) {
        lossSum += Number(await loss.item());
        lossCount++;
        bar?.update(step + 1, Math.min((step + 1) * opts.batchSize, train.size), lossSum / lossCount);
      }
      loss.dispose();
    }
    const seconds = (performance.now() - started) / 1000;
    const accuracy = await evaluate(model, test);
    const result = { epoch, loss: lossSum / lossCount, accuracy, samplesPerSecond: train.size / seconds };
    history.push(result);
    opts.log?.(
      `epoch ${epoch}: loss ${result.loss.toFixed(4)}, test accuracy ${(accuracy * 100).toFixed(2)}%, ${result.samplesPerSecond.toFixed(0)} samples/s`,
    );
  }
  return { model, history };
}
