/** Runners shared by the tfjs peers (cpu, wasm, webgpu): same work, tfjs's native layouts. */
import type * as tfType from '@tensorflow/tfjs-core';
import { type BenchSpec, benchData, type Runner } from '../harness.js';

export function tfjsRunner(tf: typeof tfType, spec: BenchSpec): Runner | null {
  if (spec.kind === 'matmul') {
    const n = spec.n;
    const a = tf.tensor2d(benchData(n * n, 1), [n, n]);
    const b = tf.tensor2d(benchData(n * n, 2), [n, n]);
    return {
      async step() {
        for (let i = 1; i < (spec.repeat ?? 1); i++) tf.matMul(a, b).dispose();
        const c = tf.matMul(a, b);
        await c.data();
        c.dispose();
      },
      dispose: () => tf.dispose([a, b]),
    };
  }
  if (spec.kind === 'conv2d') {
    // NHWC / HWIO: tfjs's native (and on CPU only supported) layout for conv2d.
    const { batch, cin, cout, size, k } = spec;
    const x = tf.tensor4d(benchData(batch * cin * size * size, 3), [batch, size, size, cin]);
    const w = tf.tensor4d(benchData(cout * cin * k * k, 4), [k, k, cin, cout]);
    const bias = tf.tensor1d(benchData(cout, 5));
    return {
      async step() {
        for (let i = 1; i < (spec.repeat ?? 1); i++)
          tf.tidy(() => tf.add(tf.conv2d(x, w, 1, 'same'), bias)).dispose();
        const y = tf.tidy(() => tf.add(tf.conv2d(x, w, 1, 'same'), bias));
        await y.data();
        y.dispose();
      },
      dispose: () => tf.dispose([x, w, bias]),
    };
  }
  if (spec.kind === 'mlp-train') {
    /*
     * tfjs-core registers its gradients from ESM files with extensionless imports, which
     * Node cannot load (optimizer.minimize then fails with "gradient function not found").
     * So the backward pass is written out by hand: the same matmuls autograd would run.
     */
    const { batch, sizes } = spec;
    const lr = 0.01;
    const ws: tfType.Variable[] = [];
    const bs: tfType.Variable[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      const scale = 1 / Math.sqrt(sizes[i]);
      const wData = benchData(sizes[i] * sizes[i + 1], 10 + i).map((v) => v * scale);
      ws.push(tf.variable(tf.tensor2d(wData, [sizes[i], sizes[i + 1]])));
      bs.push(tf.variable(tf.zeros([sizes[i + 1]])));
    }
    const classes = sizes[sizes.length - 1];
    const x = tf.tensor2d(benchData(batch * sizes[0], 7), [batch, sizes[0]]);
    const labels = tf.oneHot(
      tf.tensor1d(
        Array.from({ length: batch }, (_, i) => i % classes),
        'int32',
      ),
      classes,
    );
    return {
      async step() {
        const loss = tf.tidy(() => {
          const acts: tfType.Tensor2D[] = [x];
          const pre: tfType.Tensor2D[] = [];
          let h: tfType.Tensor2D = x;
          for (let i = 0; i < ws.length; i++) {
            const z = tf.add(tf.matMul(h, ws[i] as tfType.Tensor2D), bs[i]) as tfType.Tensor2D;
            pre.push(z);
            h = i + 1 < ws.length ? tf.relu(z) : z;
            acts.push(h);
          }
          const logp = tf.logSoftmax(h);
          const l = tf.neg(tf.mean(tf.sum(tf.mul(labels, logp), 1)));
          // d(loss)/d(logits) = (softmax - onehot) / batch
          let g = tf.div(tf.sub(tf.exp(logp), labels), batch) as tfType.Tensor2D;
          for (let i = ws.length - 1; i >= 0; i--) {
            const dw = tf.matMul(acts[i], g, true, false);
            const db = tf.sum(g, 0);
            if (i > 0) {
              const dh = tf.matMul(g, ws[i] as tfType.Tensor2D, false, true);
              g = tf.mul(dh, tf.step(pre[i - 1])) as tfType.Tensor2D;
            }
            ws[i].assign(tf.sub(ws[i], tf.mul(dw, lr)));
            bs[i].assign(tf.sub(bs[i], tf.mul(db, lr)));
          }
          return l;
        });
        await loss.data();
        loss.dispose();
      },
      dispose: () => tf.dispose([x, labels, ...ws, ...bs]),
    };
  }
  if (spec.kind === 'lstm') return tfjsLstm(tf, spec);
  if (spec.kind === 'encoder') return tfjsEncoder(tf, spec);
  return null;
}

/** Scaled benchData, so activations stay in the range trained weights would give. */
function weights(n: number, seed: number, scale: number): Float32Array {
  return benchData(n, seed).map((v) => v * scale);
}

/**
 * LSTM forward (tfjs-core has no LSTM layer without tfjs-layers): the input projection of
 * every step as one matmul, then per step one [batch, hidden] x [hidden, 4 hidden] matmul and
 * the gate nonlinearities. Gate order i, f, g, o as in PyTorch.
 */
function tfjsLstm(tf: typeof tfType, spec: Extract<BenchSpec, { kind: 'lstm' }>): Runner {
  const { seq, batch, input, hidden } = spec;
  const k = 1 / Math.sqrt(hidden);
  const wx = tf.tensor2d(weights(input * 4 * hidden, 21, k), [input, 4 * hidden]);
  const wh = tf.tensor2d(weights(hidden * 4 * hidden, 22, k), [hidden, 4 * hidden]);
  const b = tf.tensor1d(weights(4 * hidden, 23, k));
  const x = tf.tensor2d(benchData(seq * batch * input, 20), [seq * batch, input]);
  return {
    async step() {
      const y = tf.tidy(() => {
        const xw = tf.add(tf.matMul(x, wx), b);
        let h: tfType.Tensor2D = tf.zeros([batch, hidden]);
        let c: tfType.Tensor2D = tf.zeros([batch, hidden]);
        const outs: tfType.Tensor2D[] = [];
        for (let t = 0; t < seq; t++) {
          const g = tf.add(tf.slice(xw, [t * batch, 0], [batch, 4 * hidden]), tf.matMul(h, wh));
          const [gi, gf, gg, go] = tf.split(g, 4, 1);
          c = tf.add(tf.mul(tf.sigmoid(gf), c), tf.mul(tf.sigmoid(gi), tf.tanh(gg)));
          h = tf.mul(tf.sigmoid(go), tf.tanh(c));
          outs.push(h);
        }
        return tf.stack(outs);
      });
      await y.data();
      y.dispose();
    },
    dispose: () => tf.dispose([wx, wh, b, x]),
  };
}

/** Post-norm encoder layer (PyTorch's TransformerEncoderLayer, ReLU, eval) from core ops. */
function tfjsEncoder(tf: typeof tfType, spec: Extract<BenchSpec, { kind: 'encoder' }>): Runner {
  const { batch, seq, dModel: d, heads, ff } = spec;
  const dh = d / heads;
  const kd = 1 / Math.sqrt(d);
  const wqkv = tf.tensor2d(weights(d * 3 * d, 31, kd), [d, 3 * d]);
  const bqkv = tf.zeros([3 * d]);
  const wo = tf.tensor2d(weights(d * d, 32, kd), [d, d]);
  const bo = tf.zeros([d]);
  const w1 = tf.tensor2d(weights(d * ff, 33, kd), [d, ff]);
  const b1 = tf.zeros([ff]);
  const w2 = tf.tensor2d(weights(ff * d, 34, 1 / Math.sqrt(ff)), [ff, d]);
  const b2 = tf.zeros([d]);
  const gamma = tf.ones([d]);
  const beta = tf.zeros([d]);
  const x = tf.tensor2d(benchData(batch * seq * d, 30), [batch * seq, d]);
  const layerNorm = (t: tfType.Tensor2D): tfType.Tensor2D => {
    const { mean, variance } = tf.moments(t, 1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(t, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
  };
  const splitHeads = (t: tfType.Tensor): tfType.Tensor4D =>
    tf.transpose(tf.reshape(t, [batch, seq, heads, dh]), [0, 2, 1, 3]);
  return {
    async step() {
      const y = tf.tidy(() => {
        const qkv = tf.add(tf.matMul(x, wqkv), bqkv);
        const [q, k, v] = tf.split(qkv, 3, 1).map(splitHeads);
        const p = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)));
        const ctx = tf.reshape(tf.transpose(tf.matMul(p, v), [0, 2, 1, 3]), [batch * seq, d]);
        const x1 = layerNorm(tf.add(x, tf.add(tf.matMul(ctx, wo), bo)));
        const h = tf.relu(tf.add(tf.matMul(x1, w1), b1)) as tfType.Tensor2D;
        return layerNorm(tf.add(x1, tf.add(tf.matMul(h, w2), b2)));
      });
      await y.data();
      y.dispose();
    },
    dispose: () => tf.dispose([wqkv, bqkv, wo, bo, w1, b1, w2, b2, gamma, beta, x]),
  };
}
