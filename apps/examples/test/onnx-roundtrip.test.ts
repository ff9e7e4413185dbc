// Enabled once @layers/onnx is merged (see vitest.config.ts): layers -> ONNX -> onnxruntime.
import { createCpuBackend } from '@layers/backend-cpu';
import { setBackend } from '@layers/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  blobs,
  layersLogits,
  reimportedLogits,
  serveWithOnnxRuntime,
  toOnnx,
  trainClassifier,
} from '../src/onnx-roundtrip.js';

const argmaxRows = (v: Float32Array, classes: number) =>
  Array.from({ length: v.length / classes }, (_, r) => {
    const row = Array.from(v.subarray(r * classes, (r + 1) * classes));
    return row.indexOf(Math.max(...row));
  });

describe('Models in and out: layers -> ONNX -> onnxruntime-node', () => {
  beforeAll(async () => setBackend(await createCpuBackend()));

  it('the exported model gives the same logits and predictions in onnxruntime, at another batch size', async () => {
    const train = blobs(60);
    const model = await trainClassifier(train.x, train.labels);
    const onnx = await toOnnx(model, train.x.narrow(0, 0, 2)); // traced on a batch of 2
    const test = blobs(33); // served on 33: the batch axis is dynamic
    const ours = await layersLogits(model, test.x);
    const theirs = await serveWithOnnxRuntime(onnx, test.x);
    expect(theirs.length).toBe(ours.length);
    // Two small float32 matmuls computed by two libraries: summation order differs.
    for (let i = 0; i < ours.length; i++)
      expect(Math.abs(theirs[i] - ours[i])).toBeLessThan(1e-5 + 1e-5 * Math.abs(ours[i]));
    expect(argmaxRows(theirs, 3)).toEqual(argmaxRows(ours, 3));
    // Back into layers: the same weights, the graph's ops possibly grouped differently (Gemm
    // or MatMul + Add) than Linear's, so a rounding or two apart at most.
    const again = await reimportedLogits(onnx, test.x);
    for (let i = 0; i < ours.length; i++)
      expect(Math.abs(again[i] - ours[i])).toBeLessThan(1e-6 + 1e-6 * Math.abs(ours[i]));
    // The classifier learned the blobs (chance is 1/3), so equal predictions are not vacuous.
    const labels = Array.from(await test.labels.data());
    const correct = argmaxRows(ours, 3).filter((p, i) => p === labels[i]).length;
    expect(correct / labels.length).toBeGreaterThan(0.9);
  });
});
