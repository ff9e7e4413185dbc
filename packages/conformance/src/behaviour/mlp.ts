/** A tiny MLP regression step used by the memory tests (plain SGD, public API only). */
import * as L from '@layers/core';

export interface MlpState {
  x: L.Tensor;
  y: L.Tensor;
  params: L.Tensor[];
  loss: L.Tensor;
}

/** Inside tidy so that no garbage is left to be collected while the caller counts tensors. */
export function mlpInit(): MlpState {
  L.manualSeed(3);
  const p = (shape: number[], scale: number) => L.randn(shape).mul(scale).detach().requiresGrad_();
  return L.tidy(() => ({
    x: L.randn([16, 4]),
    y: L.randn([16, 1]),
    params: [p([4, 8], 0.5), p([8], 0.1), p([8, 1], 0.5), p([1], 0.1)],
    loss: L.zeros([1]),
  }));
}

function forward(s: MlpState): L.Tensor {
  const [w1, b1, w2, b2] = s.params;
  const pred = s.x.matmul(w1).add(b1).tanh().matmul(w2).add(b2);
  return pred.sub(s.y).square().mean();
}

function update(params: L.Tensor[]): L.Tensor[] {
  return L.noGrad(() => params.map((p) => p.sub(p.grad!.mul(0.05)).requiresGrad_()));
}

/**
 * One step. With tidy, every intermediate is disposed by the scope and the old parameters
 * (with their grads) explicitly; without, only the forward's intermediates are (by a tidy
 * whose result escapes) and everything else is left to GC.
 */
export function mlpStep(s: MlpState, useTidy: boolean): MlpState {
  if (!useTidy) {
    // The loss leaves a tidy scope and is then dropped: the collector must free tensors that
    // escaped a scope as well as those made outside any.
    const loss = L.tidy(() => forward(s));
    loss.backward();
    return { ...s, params: update(s.params), loss: loss.detach() };
  }
  const next = L.tidy(() => {
    const loss = forward(s);
    loss.backward();
    return { params: update(s.params), loss: loss.detach() };
  });
  for (const p of s.params) p.dispose();
  s.loss.dispose();
  return { ...s, ...next };
}

/** The no-tidy loop as standalone JavaScript, for a child process started with --expose-gc. */
export const MLP_STEP_SOURCE = `
async function settle(L) {
  let last = -1, stable = 0;
  for (let i = 0; i < 200 && stable < 3; i++) {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 5));
    const n = L.memory().tensors;
    stable = n === last ? stable + 1 : 0;
    last = n;
  }
}
async function run(L, steps) {
  L.manualSeed(3);
  const p = (shape, scale) => L.randn(shape).mul(scale).detach().requiresGrad_();
  const x = L.randn([16, 4]);
  const y = L.randn([16, 1]);
  let params = [p([4, 8], 0.5), p([8], 0.1), p([8, 1], 0.5), p([1], 0.1)];
  await settle(L);
  const baseline = L.memory().tensors;
  // The loop runs in its own function so no stack slot of this frame pins its last graph.
  const train = (ps) => {
    for (let i = 0; i < steps; i++) {
      const [w1, b1, w2, b2] = ps;
      const loss = L.tidy(() => x.matmul(w1).add(b1).tanh().matmul(w2).add(b2).sub(y).square().mean());
      loss.backward();
      ps = L.noGrad(() => ps.map((q) => q.sub(q.grad.mul(0.05)).requiresGrad_()));
    }
    return ps;
  };
  params = train(params);
  await settle(L);
  return { baseline, after: L.memory().tensors };
}
`;
