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
    const { batch, sizes } = spec;
    const params: tfType.Variable[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      const scale = 1 / Math.sqrt(sizes[i]);
      const wData = benchData(sizes[i] * sizes[i + 1], 10 + i).map((v) => v * scale);
      params.push(tf.variable(tf.tensor2d(wData, [sizes[i], sizes[i + 1]])));
      params.push(tf.variable(tf.zeros([sizes[i + 1]])));
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
    const opt = tf.train.sgd(0.01);
    const loss = () => {
      let h: tfType.Tensor2D = x;
      for (let i = 0; i < params.length; i += 2) {
        h = tf.add(tf.matMul(h, params[i] as tfType.Tensor2D), params[i + 1]);
        if (i + 2 < params.length) h = tf.relu(h);
      }
      return tf.losses.softmaxCrossEntropy(labels, h) as tfType.Scalar;
    };
    return {
      async step() {
        const l = opt.minimize(loss, true);
        await l?.data();
        l?.dispose();
      },
      dispose: () => {
        tf.dispose([x, labels, ...params]);
        opt.dispose();
      },
    };
  }
  return null;
}
