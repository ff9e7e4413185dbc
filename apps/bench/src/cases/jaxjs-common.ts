/**
 * Runners of the @jax-js/jax peers (wasm and webgpu devices): the same work as ours, written
 * the way a jax-js user would (jit-compiled forward and training step, reference-counted
 * arrays: every use but the last takes `.ref`). jax-js is lazy: an array is computed when it
 * is realized, so every repeated op is realized (`blockUntilReady`) before the last is read.
 */
import type * as JaxType from '@jax-js/jax';
import { type BenchSpec, benchData, type Runner } from '../harness.js';

type Jax = typeof JaxType;
type Arr = JaxType.Array;

/** The digit CNN's parameters, as PyTorch lays them out (OIHW weights, [in, out] Linear). */
type Params = { w1: Arr; b1: Arr; w2: Arr; b2: Arr; w3: Arr; b3: Arr };

const BATCH = 64;

function cnnParams(jax: Jax): Params {
  const { numpy: np } = jax;
  const init = (n: number, seed: number, fanIn: number, shape: number[]) =>
    np.array(benchData(n, seed).map((v) => v / Math.sqrt(fanIn))).reshape(shape);
  return {
    w1: init(8 * 9, 50, 9, [8, 1, 3, 3]),
    b1: np.zeros([8]),
    w2: init(16 * 72, 51, 72, [16, 8, 3, 3]),
    b2: np.zeros([16]),
    w3: init(784 * 10, 52, 784, [784, 10]),
    b3: np.zeros([10]),
  };
}

/** conv 3x3 'same' + bias, ReLU, 2x2 max-pool (as a reshape and a max over the window axes). */
function block(jax: Jax, x: Arr, w: Arr, b: Arr, c: number, size: number): Arr {
  const { lax, nn } = jax;
  const y = nn.relu(lax.conv(x, w, [1, 1], 'SAME').add(b.reshape([1, c, 1, 1])));
  return y.reshape([BATCH, c, size / 2, 2, size / 2, 2]).max([3, 5]);
}

function forward(jax: Jax, p: Params, x: Arr): Arr {
  const h1 = block(jax, x, p.w1, p.b1, 8, 28);
  const h2 = block(jax, h1, p.w2, p.b2, 16, 14);
  return jax.numpy.matmul(h2.reshape([BATCH, 784]), p.w3).add(p.b3);
}

function cnnRunner(jax: Jax, spec: Extract<BenchSpec, { kind: 'cnn' }>): Runner {
  const { numpy: np, jit, valueAndGrad, tree, nn } = jax;
  let p = cnnParams(jax);
  const x = np.array(benchData(BATCH * 784, 40)).reshape([BATCH, 1, 28, 28]);
  const oneHot = new Float32Array(BATCH * 10);
  for (let i = 0; i < BATCH; i++) oneHot[i * 10 + (i % 10)] = 1;
  const y = np.array(oneHot).reshape([BATCH, 10]);
  if (spec.mode === 'forward') {
    const fwd = jit((q: Params, xs: Arr) => forward(jax, q, xs));
    return {
      async step() {
        // data() consumes the array's reference.
        await fwd(tree.ref(p), x.ref).data();
      },
      dispose: () => tree.dispose([p, x, y]),
    };
  }
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  const lossFn = (q: Params, xs: Arr, ys: Arr) =>
    nn
      .logSoftmax(forward(jax, q, xs), -1)
      .mul(ys)
      .sum()
      .mul(-1 / BATCH);
  // One jitted Adam step; lr arrives bias-corrected (a scalar array, so no recompile per step).
  const trainStep = jit((q: Params, m: Params, v: Params, xs: Arr, ys: Arr, lr: Arr) => {
    const [loss, g] = valueAndGrad(lossFn)(tree.ref(q), xs, ys);
    const out = { q: {} as Record<string, Arr>, m: {} as Record<string, Arr>, v: {} as Record<string, Arr> };
    for (const k of Object.keys(q) as (keyof Params)[]) {
      const gk = g[k];
      const mk = m[k].mul(b1).add(gk.ref.mul(1 - b1));
      const vk = v[k].mul(b2).add(gk.ref.mul(gk).mul(1 - b2));
      out.q[k] = q[k].sub(lr.ref.mul(mk.ref).div(np.sqrt(vk.ref).add(eps)));
      out.m[k] = mk;
      out.v[k] = vk;
    }
    lr.dispose();
    return [loss, out.q as Params, out.m as Params, out.v as Params] as const;
  });
  const zeros = (q: Params) => tree.map((a: Arr) => np.zerosLike(a.ref), q) as Params;
  let m = zeros(p);
  let v = zeros(p);
  let t = 0;
  return {
    async step() {
      for (let s = 0; s < (spec.steps ?? 1); s++) {
        t++;
        const lr = 1e-3 * (Math.sqrt(1 - b2 ** t) / (1 - b1 ** t));
        const [loss, q, m2, v2] = trainStep(p, m, v, x.ref, y.ref, np.array(lr));
        [p, m, v] = [q, m2, v2];
        await loss.data();
      }
    },
    dispose: () => tree.dispose([p, m, v, x, y]),
  };
}

export function jaxRunner(jax: Jax, spec: BenchSpec): Runner | null {
  const { numpy: np, lax } = jax;
  if (spec.kind === 'matmul') {
    const n = spec.n;
    const a = np.array(benchData(n * n, 1)).reshape([n, n]);
    const b = np.array(benchData(n * n, 2)).reshape([n, n]);
    return {
      async step() {
        const outs: Arr[] = [];
        for (let i = 0; i < (spec.repeat ?? 1); i++) outs.push(np.matmul(a.ref, b.ref));
        await Promise.all(outs.map((o) => o.ref.blockUntilReady()));
        const last = outs.pop() as Arr;
        for (const o of outs) o.dispose();
        await last.data();
      },
      dispose: () => jax.tree.dispose([a, b]),
    };
  }
  if (spec.kind === 'conv2d') {
    const { batch, cin, cout, size, k } = spec;
    const x = np.array(benchData(batch * cin * size * size, 3)).reshape([batch, cin, size, size]);
    const w = np.array(benchData(cout * cin * k * k, 4)).reshape([cout, cin, k, k]);
    const bias = np.array(benchData(cout, 5)).reshape([1, cout, 1, 1]);
    return {
      async step() {
        const outs: Arr[] = [];
        for (let i = 0; i < (spec.repeat ?? 1); i++) {
          outs.push(lax.conv(x.ref, w.ref, [1, 1], 'SAME').add(bias.ref));
        }
        await Promise.all(outs.map((o) => o.ref.blockUntilReady()));
        const last = outs.pop() as Arr;
        for (const o of outs) o.dispose();
        await last.data();
      },
      dispose: () => jax.tree.dispose([x, w, bias]),
    };
  }
  if (spec.kind === 'cnn') return cnnRunner(jax, spec);
  return null;
}
