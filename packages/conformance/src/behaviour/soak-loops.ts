/**
 * The training loops of the memory model's soak (issue 15), written as a PyTorch user
 * writes them: no tidy, no dispose, no forced GC. The conformance suite runs a short one on
 * every backend; `pnpm --filter @layers/bench soak` runs them for 10,000 steps.
 */
import * as L from '@layers/core';

/** Which model the loop trains ('gp': a critic with a gradient penalty, through createGraph). */
export type SoakModel = 'cnn' | 'lstm' | 'gp';

/** Loop sizes; the defaults are the soak's. */
export interface SoakOptions {
  /** Samples per step (default 16). */
  batch?: number;
}

/**
 * A small CNN (Conv2d, BatchNorm2d, ReLU, MaxPool2d, Dropout, Linear) on 28x28 images, or an
 * LSTM classifier over 12 steps of 16 features; SGD with momentum and cross-entropy on
 * random data. Returns one training step per call, which returns the step's loss (the
 * caller drops it, as a Python loop would).
 */
export function buildSoakLoop(model: SoakModel, opts: SoakOptions = {}): () => L.Tensor {
  const { nn, optim } = L;
  const batch = opts.batch ?? 16;
  if (model === 'gp') return gradientPenaltyLoop(batch);
  let forward: (x: L.Tensor) => L.Tensor;
  let params: L.Tensor[];
  let input: () => L.Tensor;
  let classes: number;
  if (model === 'cnn') {
    classes = 10;
    const net = new nn.Sequential(
      new nn.Conv2d(1, 8, 3, { padding: 1 }),
      new nn.BatchNorm2d(8),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Dropout({ p: 0.25 }),
      new nn.Flatten(),
      new nn.Linear(8 * 14 * 14, classes),
    );
    forward = (x) => net.forward(x);
    params = net.parameters();
    input = () => L.randn([batch, 1, 28, 28]);
  } else {
    classes = 4;
    const lstm = new nn.LSTM(16, 32, { batchFirst: true });
    const head = new nn.Linear(32, classes);
    // The classifier reads the last time step of the output sequence.
    forward = (x) => head.forward(lstm.forward(x)[0].select(1, -1));
    params = [...lstm.parameters(), ...head.parameters()];
    input = () => L.randn([batch, 12, 16]);
  }
  const ce = new nn.CrossEntropyLoss();
  const opt = new optim.SGD(params, { lr: 0.01, momentum: 0.9 });
  return () => {
    const x = input();
    const y = L.randint(0, classes, [batch]);
    const loss = ce.forward(forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss;
  };
}

/**
 * A WGAN-GP style critic step: Linear, LayerNorm, GELU, Linear on 8 features; the loss adds
 * 10 (||d critic / d x|| - 1)^2, so every backward runs through a graph built by a backward
 * with createGraph. Adam, as such critics are trained.
 */
function gradientPenaltyLoop(batch: number): () => L.Tensor {
  const { nn, optim } = L;
  const critic = new nn.Sequential(
    new nn.Linear(8, 16),
    new nn.LayerNorm(16),
    new nn.GELU(),
    new nn.Linear(16, 1),
  );
  const opt = new optim.Adam(critic.parameters(), { lr: 1e-3 });
  return () => {
    const x = L.randn([batch, 8]).requiresGrad_();
    const d = critic.forward(x);
    const [g] = L.autograd.grad(d.sum(), x, { createGraph: true });
    const loss = d.mean().add(g!.norm(2, 1).sub(1).square().mean().mul(10));
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss;
  };
}

/** What a soak measured: the backend's live counts after warm-up, at their peak after it, at the end. */
export interface SoakResult {
  /** Handles one step leaves for the collector (step 2's growth: no finalizer runs within it). */
  handlesPerStep: number;
  /** At the last readback of the warm-up. */
  warm: L.MemoryStats;
  /** At the readback with the most live tensors after the warm-up. */
  peak: L.MemoryStats;
  /** After the last step. */
  end: L.MemoryStats;
}

/** How long a soak runs and how it reports. */
export interface SoakRun extends SoakOptions {
  /** Training steps to run. */
  steps: number;
  /** Steps before the reference point (default 200). */
  warmup?: number;
  /** Called after every readback (every 50 steps) with the step and the live counts. */
  onReadback?: (step: number, live: L.MemoryStats, loss: number) => void;
}

/**
 * Run the loop as the user does: `await loss.item()` every 50 steps and nothing else,
 * sampling the current backend's live tensors and bytes at each readback.
 */
export async function measureSoak(model: SoakModel, run: SoakRun): Promise<SoakResult> {
  const step = buildSoakLoop(model, run);
  const name = L.getBackend().name;
  const live = () => L.memory().byBackend[name] ?? { tensors: 0, buffers: 0, bytes: 0 };
  const warmup = run.warmup ?? 200;
  let warm = live();
  let peak: L.MemoryStats | null = null;
  let handlesPerStep = 0;
  for (let i = 1; i <= run.steps; i++) {
    const before = i === 2 ? live().tensors : 0;
    const loss = step();
    if (i === 2) handlesPerStep = live().tensors - before;
    if (i % 50 !== 0) continue;
    const value = Number(await loss.item());
    const now = live();
    run.onReadback?.(i, now, value);
    if (i <= warmup) warm = now;
    else if (!peak || now.tensors > peak.tensors) peak = now;
  }
  return { handlesPerStep, warm, peak: peak ?? warm, end: live() };
}
