/**
 * Running an expression program through the required kernels only (unary, binary, where,
 * copy, fill, reduce), for backends without `fused.expression`. Each node becomes one kernel
 * writing a temporary of the call shape (loads read the input views directly, constants and
 * params are one-element tensors broadcast with stride 0), freed after its last use, so peak
 * memory is the live temporaries, not the whole program. The results are the same bits as
 * the fused kernel's: every node is rounded to its dtype on its store, as the IR specifies.
 */
import type { Backend, View } from '../backend/contract.js';
import { empty } from '../ops/kernel.js';
import { contiguousStrides } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ExprProgram } from './ir.js';
import { roundTo } from './scalar.js';

function broadcastScalar(t: Tensor, shape: readonly number[]): View {
  const v = t._view();
  return { ...v, shape, strides: shape.map(() => 0) };
}

/**
 * Run `program` with the required kernels. `shape` is the elementwise call shape: the
 * output shape, or `[outer, inner]` with a reduction. Views follow `ExpressionParams`.
 */
export function runFallback(
  backend: Backend,
  program: ExprProgram,
  inputs: readonly View[],
  outputs: readonly View[],
  params: readonly number[],
  shape: readonly number[],
): void {
  const nodes = program.nodes;
  // Last node (or program end, for outputs) that reads each node: its temporary dies there.
  const lastUse = nodes.map(() => -1);
  nodes.forEach((n, k) => {
    if (n.kind === 'unary' || n.kind === 'cast') lastUse[n.x] = k;
    else if (n.kind === 'binary') lastUse[n.a] = lastUse[n.b] = k;
    else if (n.kind === 'where') lastUse[n.cond] = lastUse[n.a] = lastUse[n.b] = k;
  });
  for (const o of program.outputs) lastUse[o] = nodes.length;
  const views: (View | null)[] = nodes.map(() => null);
  const temps: (Tensor | null)[] = nodes.map(() => null);
  const fresh = (k: number, dims: readonly number[]): View => {
    const t = empty(dims, nodes[k].dtype, backend, `expression '${program.name}'`);
    temps[k] = t;
    return t._view();
  };
  const free = (ids: readonly number[], k: number): void => {
    for (const id of ids) {
      if (lastUse[id] === k && temps[id]) {
        temps[id]?.dispose();
        temps[id] = null;
      }
    }
  };
  try {
    for (let k = 0; k < nodes.length; k++) {
      const n = nodes[k];
      if (lastUse[k] < 0) continue; // dead node: nothing reads it
      switch (n.kind) {
        case 'load':
          views[k] = inputs[n.input];
          break;
        case 'const':
        case 'param': {
          const t = empty([], n.dtype, backend);
          temps[k] = t;
          backend.fill(t._view(), n.kind === 'const' ? n.value : roundTo(n.dtype, params[n.index]));
          views[k] = broadcastScalar(t, shape);
          break;
        }
        case 'unary': {
          const out = fresh(k, shape);
          backend.unary(n.op, views[n.x] as View, out);
          views[k] = out;
          free([n.x], k);
          break;
        }
        case 'binary': {
          const out = fresh(k, shape);
          backend.binary(n.op, views[n.a] as View, views[n.b] as View, out);
          views[k] = out;
          free([n.a, n.b], k);
          break;
        }
        case 'where': {
          const out = fresh(k, shape);
          backend.where(views[n.cond] as View, views[n.a] as View, views[n.b] as View, out);
          views[k] = out;
          free([n.cond, n.a, n.b], k);
          break;
        }
        case 'cast': {
          const out = fresh(k, shape);
          backend.copy(views[n.x] as View, out);
          views[k] = out;
          free([n.x], k);
          break;
        }
      }
    }
    writeOutputs(backend, program, inputs, outputs, views, shape);
  } finally {
    for (const t of temps) t?.dispose();
  }
}

/** Store each output node's values (or reduce them) into the output views. */
function writeOutputs(
  backend: Backend,
  program: ExprProgram,
  inputs: readonly View[],
  outputs: readonly View[],
  views: readonly (View | null)[],
  shape: readonly number[],
): void {
  const extra: Tensor[] = [];
  try {
    // Sources that are input views or broadcast scalars are copied first when some output
    // aliases an input: writing an earlier output must not change what a later one reads.
    const aliased = outputs.some((o) => inputs.some((i) => i.buffer === o.buffer));
    const src = program.outputs.map((id) => {
      const v = views[id] as View;
      const dense =
        v.strides.length === shape.length && v.strides.every((s, d) => s === contiguousStrides(shape)[d]);
      const needsCopy = program.reduce ? !dense : aliased && inputs.includes(v);
      if (!needsCopy) return v;
      const t = empty(shape, program.nodes[id].dtype, backend);
      extra.push(t);
      backend.copy(v, t._view());
      return t._view();
    });
    for (let j = 0; j < outputs.length; j++) {
      const out = outputs[j];
      if (!program.reduce) {
        if (src[j] !== out) backend.copy(src[j], out);
        continue;
      }
      const [outer, inner] = shape;
      const contiguousOut = out.shape.length === 1 && (out.strides[0] === 1 || outer <= 1);
      if (contiguousOut) {
        backend.reduce(program.reduce.op, src[j], out, outer, inner);
      } else {
        const t = empty([outer], out.dtype, backend);
        extra.push(t);
        backend.reduce(program.reduce.op, src[j], t._view(), outer, inner);
        backend.copy(t._view(), out);
      }
    }
  } finally {
    for (const t of extra) t.dispose();
  }
}
