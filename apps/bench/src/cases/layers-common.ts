/**
 * Runners shared by every @layers contender (cpu, wasm, webgpu): they drive a Backend's
 * kernels directly through the Backend interface, as core would, so one file per backend
 * only has to construct the backend.
 */

import type { Backend, View } from '@layers/core';
import * as core from '@layers/core';
import { digitCnn } from '../cnn-model.js';
import { type BenchSpec, benchData, type Runner } from '../harness.js';

function strides(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

function upload(backend: Backend, data: Float32Array, shape: readonly number[]): View {
  const buffer = backend.alloc(data.length, 'float32');
  backend.write(buffer, 'float32', data);
  return { buffer, dtype: 'float32', shape, strides: strides(shape), offset: 0 };
}

function alloc(backend: Backend, shape: readonly number[]): View {
  const size = shape.reduce((a, b) => a * b, 1);
  return {
    buffer: backend.alloc(size, 'float32'),
    dtype: 'float32',
    shape,
    strides: strides(shape),
    offset: 0,
  };
}

function releaseAll(backend: Backend, views: readonly View[]): void {
  for (const v of views) backend.release(v.buffer);
}

/** Kernel-level runner for matmul and conv2d; null for specs that need the tensor API. */
export function kernelRunner(backend: Backend, spec: BenchSpec): Runner | null {
  if (spec.kind === 'matmul') {
    const n = spec.n;
    const a = upload(backend, benchData(n * n, 1), [1, n, n]);
    const b = upload(backend, benchData(n * n, 2), [1, n, n]);
    const out = alloc(backend, [1, n, n]);
    return {
      async step() {
        for (let i = 0; i < (spec.repeat ?? 1); i++) backend.matmul(a, b, out);
        await backend.read(out.buffer, 'float32', n * n);
      },
      dispose: () => releaseAll(backend, [a, b, out]),
    };
  }
  if (spec.kind === 'conv2d') {
    const conv = backend.fused.conv2d;
    if (!conv) return null;
    const { batch, cin, cout, size, k } = spec;
    const pad = (k - 1) >> 1;
    const x = upload(backend, benchData(batch * cin * size * size, 3), [batch, cin, size, size]);
    const w = upload(backend, benchData(cout * cin * k * k, 4), [cout, cin, k, k]);
    const bias = upload(backend, benchData(cout, 5), [cout]);
    const out = alloc(backend, [batch, cout, size, size]);
    // 'same' padding, implicit in the kernel (as core calls it).
    const params = { stride: [1, 1], padding: [pad, pad], dilation: [1, 1], groups: 1 } as const;
    return {
      async step() {
        for (let i = 0; i < (spec.repeat ?? 1); i++) conv.call(backend.fused, x, w, bias, out, params);
        await backend.read(out.buffer, 'float32', batch * cout * size * size);
      },
      dispose: () => releaseAll(backend, [x, w, bias, out]),
    };
  }
  return null;
}

/**
 * Runner through @layers/core's public tensor API (what users pay for, dispatch and autograd
 * included). conv2d has no public op yet, so it stays at kernel level via `kernelRunner`.
 */
export function tensorRunner(backend: Backend, spec: BenchSpec): Runner | null {
  if (spec.kind === 'matmul') {
    const n = spec.n;
    const a = core.fromTypedArray(benchData(n * n, 1), [n, n], backend);
    const b = core.fromTypedArray(benchData(n * n, 2), [n, n], backend);
    return {
      async step() {
        for (let i = 1; i < (spec.repeat ?? 1); i++) core.matmul(a, b).dispose();
        const c = core.matmul(a, b);
        await c.data();
        c.dispose();
      },
      dispose: () => {
        a.dispose();
        b.dispose();
      },
    };
  }
  if (spec.kind === 'mlp-train') return mlpRunner(backend, spec);
  if (spec.kind === 'cnn') return cnnRunner(backend, spec);
  if (spec.kind === 'cold') return null;
  if (spec.kind === 'lstm' || spec.kind === 'encoder') return layerRunner(backend, spec);
  return kernelRunner(backend, spec);
}

/**
 * One SGD step of an MLP with ReLU hidden layers and softmax cross-entropy (the same model,
 * data and learning rate as the tfjs case). Core has no optimizer yet, so the update builds
 * new leaf tensors under noGrad.
 */
function mlpRunner(backend: Backend, spec: Extract<BenchSpec, { kind: 'mlp-train' }>): Runner {
  const { batch, sizes } = spec;
  const lr = 0.01;
  let params: core.Tensor[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const scale = 1 / Math.sqrt(sizes[i]);
    const w = benchData(sizes[i] * sizes[i + 1], 10 + i).map((v) => v * scale);
    params.push(core.fromTypedArray(w, [sizes[i], sizes[i + 1]], backend).requiresGrad_());
    params.push(core.fromTypedArray(new Float32Array(sizes[i + 1]), [sizes[i + 1]], backend).requiresGrad_());
  }
  const classes = sizes[sizes.length - 1];
  const x = core.fromTypedArray(benchData(batch * sizes[0], 7), [batch, sizes[0]], backend);
  const labels = core.fromTypedArray(
    Int32Array.from({ length: batch }, (_, i) => i % classes),
    [batch, 1],
    backend,
  );
  return {
    async step() {
      const loss = core.tidy(() => {
        let h = x;
        for (let i = 0; i < params.length; i += 2) {
          h = core.add(core.matmul(h, params[i]), params[i + 1]);
          if (i + 2 < params.length) h = core.relu(h);
        }
        // cross-entropy = mean(logsumexp(logits) - logits[label])
        const picked = core.gather(h, 1, labels).reshape([batch]);
        const l = core.mean(core.sub(core.logsumexp(h, 1), picked));
        l.backward();
        return l;
      });
      params = core.noGrad(() =>
        params.map((p) => {
          const next = core.keep(core.tidy(() => core.sub(p, core.mul(p.grad!, lr))));
          p.dispose();
          return next.requiresGrad_();
        }),
      );
      await loss.data();
      loss.dispose();
    },
    dispose: () => {
      for (const p of params) p.dispose();
      x.dispose();
      labels.dispose();
    },
  };
}

/**
 * Inference through nn modules, as a user would write it: eval mode, noGrad, tidy. The
 * modules keep their own initialisation (values do not change the work); the input is the
 * same benchData the peers get.
 */
function layerRunner(backend: Backend, spec: Extract<BenchSpec, { kind: 'lstm' | 'encoder' }>): Runner {
  // Modules create their parameters on the current backend.
  core.setBackend(backend);
  let module: core.nn.Module;
  let x: core.Tensor;
  let forward: () => core.Tensor;
  if (spec.kind === 'lstm') {
    const { seq, batch, input, hidden } = spec;
    const lstm = new core.nn.LSTM(input, hidden).eval();
    x = core.fromTypedArray(benchData(seq * batch * input, 20), [seq, batch, input], backend);
    const xin = x;
    forward = () => lstm.forward(xin)[0];
    module = lstm;
  } else {
    const { batch, seq, dModel, heads, ff } = spec;
    const layer = new core.nn.TransformerEncoderLayer(dModel, heads, {
      dimFeedforward: ff,
      dropout: 0,
      batchFirst: true,
    }).eval();
    x = core.fromTypedArray(benchData(batch * seq * dModel, 30), [batch, seq, dModel], backend);
    const xin = x;
    forward = () => layer.forward(xin);
    module = layer;
  }
  return {
    async step() {
      const y = core.noGrad(() => core.tidy(forward));
      await y.data();
      y.dispose();
    },
    dispose: () => {
      x.dispose();
      for (const p of module.parameters()) p.dispose();
    },
  };
}

/**
 * The digit CNN through nn modules, as apps/mnist writes it: `forward` in eval mode under
 * noGrad; `train` runs Adam steps (cross-entropy, lr 1e-3) and reads the loss every step.
 */
function cnnRunner(backend: Backend, spec: Extract<BenchSpec, { kind: 'cnn' }>): Runner {
  core.setBackend(backend);
  const { nn, optim } = core;
  const model = digitCnn();
  const x = core.fromTypedArray(benchData(64 * 784, 40), [64, 1, 28, 28], backend);
  const y = core.fromTypedArray(
    Int32Array.from({ length: 64 }, (_, i) => i % 10),
    [64],
    backend,
  );
  const dispose = () => {
    x.dispose();
    y.dispose();
    for (const p of model.parameters()) p.dispose();
  };
  if (spec.mode === 'forward') {
    model.eval();
    return {
      async step() {
        const out = core.noGrad(() => core.tidy(() => model.forward(x)));
        await out.data();
        out.dispose();
      },
      dispose,
    };
  }
  const ce = new nn.CrossEntropyLoss();
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  return {
    async step() {
      for (let s = 0; s < (spec.steps ?? 1); s++) {
        const loss = core.tidy(() => {
          opt.zeroGrad();
          const l = ce.forward(model.forward(x), y);
          l.backward();
          opt.step();
          return l;
        });
        await loss.item();
        loss.dispose();
      }
    },
    dispose,
  };
}
