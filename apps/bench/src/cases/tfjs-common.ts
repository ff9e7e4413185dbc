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
  return null;
}
