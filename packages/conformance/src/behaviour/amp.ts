/**
 * Mixed precision: autocast's op policies (PyTorch 1.13's lists: matmul, linear, conv in the
 * low dtype; softmax, norms, losses, sums, exp/log/pow in float32; mixed inputs widen), its
 * synchronous scope, GradScaler's rules (torch.cuda.amp.GradScaler: the scale arithmetic is
 * exact, so expected values are computed here), and a small CNN trained under autocast with a
 * GradScaler reaching its float32 twin's accuracy.
 */
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { check, expectThrows, type SuiteContext } from './context.js';

const nn = L.nn;

/** Two classes of 8x8 images: a bright bar across rows 2-3 or down columns 2-3, plus noise. */
function bars(n: number, seed: number): { x: L.Tensor; y: L.Tensor } {
  L.manualSeed(seed);
  const noise = L.randn([n, 1, 8, 8]).mul(0.5);
  const labels: number[] = [];
  const img = new Float32Array(n * 64);
  for (let i = 0; i < n; i++) {
    const c = (i * 7919 + seed) % 2;
    labels.push(c);
    for (let k = 0; k < 8; k++) for (const j of [2, 3]) img[i * 64 + (c === 0 ? j * 8 + k : k * 8 + j)] = 1;
  }
  const x = L.tensor(img, { shape: [n, 1, 8, 8] }).add(noise);
  return { x, y: L.tensor(labels, { dtype: 'int32' }) };
}

function cnn(): L.nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(64, 2),
  );
}

async function trainBars(amp: 'float16' | 'bfloat16' | null, steps: number): Promise<number> {
  L.manualSeed(3);
  const model = cnn();
  const opt = new L.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const lossFn = new nn.CrossEntropyLoss();
  const scaler = new L.GradScaler({ enabled: amp === 'float16' });
  for (let s = 0; s < steps; s++) {
    const { x, y } = bars(16, 100 + s);
    opt.zeroGrad();
    const forward = () => lossFn.forward(model.forward(x), y);
    const loss = amp ? L.autocast(forward, { dtype: amp }) : forward();
    scaler.scale(loss).backward();
    await scaler.step(opt);
    scaler.update();
  }
  const { x, y } = bars(200, 7);
  const pred = L.noGrad(() => L.autocast(() => model.forward(x), { enabled: amp !== null }).argmax(1));
  return Number(await pred.eq(y).sum().item()) / 200;
}

export function ampBehaviour(ctx: SuiteContext): void {
  describe('amp', () => {
    const c = (title: string, fn: () => Promise<void> | void, timeoutMs?: number) =>
      check(ctx, 'amp', title, fn, timeoutMs);

    c(
      'autocast runs matmul, linear and conv in the low dtype; softmax, norms, losses, sums, exp in float32',
      () => {
        const a = L.ones([2, 3]);
        const w = L.ones([4, 3]);
        const img = L.ones([1, 2, 4, 4]);
        const k = L.ones([3, 2, 3, 3]);
        for (const dtype of ['float16', 'bfloat16'] as const) {
          L.autocast(
            () => {
              expect(a.matmul(w.t()).dtype).toBe(dtype);
              expect(L.F.linear(a, w, L.ones([4])).dtype).toBe(dtype);
              expect(L.F.conv2d(img, k, L.ones([3])).dtype).toBe(dtype);
              const h = a.to(dtype);
              expect(L.F.softmax(h, -1).dtype).toBe('float32');
              expect(L.F.logSoftmax(h, -1).dtype).toBe('float32');
              expect(L.F.layerNorm(h, [3]).dtype).toBe('float32');
              expect(L.F.groupNorm(img.to(dtype), 1).dtype).toBe('float32');
              expect(h.sum().dtype).toBe('float32');
              expect(h.exp().dtype).toBe('float32');
              expect(h.log().dtype).toBe('float32');
              expect(h.pow(2).dtype).toBe('float32');
              expect(L.F.mseLoss(h, h).dtype).toBe('float32');
              expect(L.F.crossEntropy(h, L.tensor([0, 2], { dtype: 'int32' })).dtype).toBe('float32');
              // Other ops keep their input dtype; mixed inputs widen (cat, add).
              expect(L.F.relu(h).dtype).toBe(dtype);
              expect(h.add(a).dtype).toBe('float32');
              expect(L.cat([h, a]).dtype).toBe('float32');
              // enabled: false turns it off inside.
              expect(L.autocast(() => a.matmul(w.t()), { enabled: false }).dtype).toBe('float32');
              expect(L.autocastDtype()).toBe(dtype);
            },
            { dtype },
          );
        }
        expect(L.autocastDtype()).toBe(null);
        expect(a.matmul(w.t()).dtype).toBe('float32');
      },
    );

    c('autocast: float32 parameters get float32 gradients through the low-precision casts', async () => {
      const lin = new nn.Linear(3, 2);
      const x = L.tensor([
        [1, 2, 3],
        [-1, 0.5, 2],
      ]);
      const y = L.autocast(() => lin.forward(x), { dtype: 'float16' });
      expect(y.dtype).toBe('float16');
      y.float().sum().backward();
      expect(lin.weight.grad?.dtype).toBe('float32');
      // d sum(x W^T + b) / dW = column sums of x for every output row (exact in float16).
      expect(await lin.weight.grad?.toArray()).toEqual([
        [0, 2.5, 5],
        [0, 2.5, 5],
      ]);
      expect(await lin.bias?.grad?.toArray()).toEqual([2, 2]);
    });

    c('autocast refuses an async function and bad dtypes, before running anything', () => {
      let ran = false;
      expectThrows(
        () =>
          L.autocast(async () => {
            ran = true;
          }),
        'autocast: the function must be synchronous',
      );
      expect(ran).toBe(false);
      expectThrows(() => L.autocast(() => 0, { dtype: 'float32' as 'float16' }), "'float16' or 'bfloat16'");
      expect(L.autocastDtype()).toBe(null);
    });

    c('GradScaler: scale, unscale, skipped steps, backoff, growth, update(newScale), stateDict', async () => {
      const p = L.tensor([1, 2]).requiresGrad_();
      const opt = new L.optim.SGD([p], { lr: 1 });
      const sc = new L.GradScaler({ initScale: 8, growthInterval: 2 });
      expect(sc.getScale()).toBe(8);
      expect(await sc.scale(L.tensor(1.5)).item()).toBe(12);
      // A clean step: grads divided by the scale, then SGD: p - 1 * g.
      sc.scale(p.mul(L.tensor([1, 3])).sum()).backward();
      expect(await sc.step(opt)).toBe(true);
      expect(await p.toArray()).toEqual([0, -1]);
      sc.update();
      expect(sc.getScale()).toBe(8);
      // An overflowing gradient: the step is skipped, the scale halves, the tracker resets.
      opt.zeroGrad();
      p.grad = L.tensor([Number.POSITIVE_INFINITY, 1]);
      expect(await sc.step(opt)).toBe(false);
      expect(await p.toArray()).toEqual([0, -1]);
      sc.update();
      expect(sc.getScale()).toBe(4);
      // NaN too; then two clean steps double it (growthInterval 2).
      p.grad = L.tensor([Number.NaN, 1]);
      await sc.step(opt);
      sc.update();
      expect(sc.getScale()).toBe(2);
      for (let i = 0; i < 2; i++) {
        p.grad = L.tensor([2, 2]);
        sc.unscale(opt);
        expectThrows(() => sc.unscale(opt), 'already been called');
        expect(await p.grad?.toArray()).toEqual([1, 1]);
        await sc.step(opt);
        sc.update();
      }
      expect(sc.getScale()).toBe(4);
      sc.update(1024);
      expect(sc.getScale()).toBe(1024);
      expect(sc.stateDict()).toEqual({
        scale: 1024,
        growth_factor: 2,
        backoff_factor: 0.5,
        growth_interval: 2,
        _growth_tracker: 0,
      });
      const other = new L.GradScaler();
      other.loadStateDict(sc.stateDict());
      expect(other.stateDict()).toEqual(sc.stateDict());
      expectThrows(() => other.update(), 'No inf checks were recorded');
      // float16 gradients are refused, as PyTorch's unscale_ does.
      const h = L.tensor([1, 2], { dtype: 'float16' }).requiresGrad_();
      h.grad = L.tensor([1, 1], { dtype: 'float16' });
      expectThrows(() => sc.unscale(new L.optim.SGD([h], { lr: 1 })), 'Attempting to unscale FP16 gradients');
      // Disabled: a pass-through with scale 1 and an empty state dict.
      const off = new L.GradScaler({ enabled: false });
      const t = L.tensor(3);
      expect(off.scale(t)).toBe(t);
      expect(off.getScale()).toBe(1);
      expect(off.stateDict()).toEqual({});
      expect(new L.GradScaler().getScale()).toBe(65536);
    });

    c(
      'a small CNN trains under float16 autocast with GradScaler (and bfloat16) to its float32 accuracy',
      async () => {
        const steps = 60;
        const a32 = await trainBars(null, steps);
        const a16 = await trainBars('float16', steps);
        const ab16 = await trainBars('bfloat16', steps);
        expect(a32).toBeGreaterThan(0.9);
        expect(a16).toBeGreaterThanOrEqual(a32 - 0.05);
        expect(ab16).toBeGreaterThanOrEqual(a32 - 0.05);
      },
      300_000,
    );
  });
}
