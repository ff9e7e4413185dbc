import type { View } from '@layers/core';
import { grid, IndexPlan, u32s, WG } from '../kernels/common.js';
import { type ExprShader, exprReduceShader, exprShader, exprVec4Shader } from '../kernels/expression.js';
import { rowThreads } from '../kernels/fused.js';
import type { Binding, Runtime } from '../runtime.js';
import { stridedIndex } from './index-code.js';
import { type ExprCall, type ExprProgram, nodeTypes, programKey, reduceOf, scalarWords } from './program.js';

/**
 * Runs an expression program as one compute dispatch. The pipeline is keyed by the program's
 * structure, the binding pattern and the index plan's shape class (rank, which views are
 * contiguous), never by sizes, offsets or param values: those travel in the params words, so a
 * new learning rate or batch size reuses the compiled shader.
 * @internal
 */

interface Analysed {
  key: string;
  types: ReturnType<typeof nodeTypes>;
}
/** Structure analysis per program object: core reuses its program objects across calls. */
const analysed = new WeakMap<ExprProgram, Analysed>();

function analyse(p: ExprProgram): Analysed {
  let a = analysed.get(p);
  if (!a) {
    a = { key: programKey(p), types: nodeTypes(p) };
    analysed.set(p, a);
  }
  return a;
}

/** Same elements in the same order: an input that is exactly an output is read in place. */
function sameView(a: View, b: View): boolean {
  if (a.buffer !== b.buffer || a.offset !== b.offset || a.dtype !== b.dtype) return false;
  for (let d = 0; d < a.shape.length; d++) {
    if (a.shape[d] !== 1 && a.strides[d] !== b.strides[d]) return false;
  }
  return true;
}

/**
 * One binding per distinct buffer, read_write where an output lives. An input in a written
 * buffer that is not exactly an output gets a second, read-only binding of that buffer, which
 * the runtime serves from a snapshot (threads would otherwise race on overlapping elements).
 */
function bindings(
  call: ExprCall,
  gpu: (v: View) => GPUBuffer,
): { list: Binding[]; outBinding: number[]; inBinding: number[] } {
  const list: Binding[] = [];
  const find = (buffer: GPUBuffer, write: boolean) => {
    let k = list.findIndex((b) => b.buffer === buffer && b.write === write);
    if (k < 0) k = list.push({ buffer, write }) - 1;
    return k;
  };
  const outBinding = call.outputs.map((o) => find(gpu(o), true));
  const inBinding = call.inputs.map((v) => {
    const alias = call.outputs.findIndex((o) => sameView(o, v));
    if (alias >= 0) return outBinding[alias];
    return find(gpu(v), false);
  });
  return { list, outBinding, inBinding };
}

/**
 * Scalar words a dispatch may carry beside its index words: the runtime's params window is
 * 256 words and the index words of eight rank-8 views take 1 + 8 + 8 * 9 = 81.
 */
const PARAM_WORDS_FOR_SCALARS = 160;

export function dispatchExpression(runtime: Runtime, gpu: (v: View) => GPUBuffer, call: ExprCall): void {
  const { program } = call;
  const { key, types } = analyse(program);
  if (call.outputs.length !== program.outputs.length) {
    throw new Error(
      `@layers/backend-webgpu: expression has ${program.outputs.length} outputs but ${call.outputs.length} views were given`,
    );
  }
  const b = bindings(call, gpu);
  const maxBuffers = runtime.limits.maxStorageBuffersPerShaderStage;
  if (b.list.length + 1 > maxBuffers) {
    throw new Error(
      `@layers/backend-webgpu: expression '${program.name}' reads and writes ${b.list.length} distinct buffers; ` +
        `this device binds at most ${maxBuffers - 1} besides the params (maxStorageBuffersPerShaderStage ${maxBuffers})`,
    );
  }
  // float16 views (core passes them only where float16Kernels lists expression: shader-f16)
  // bind as array<f16>; the program computes in float32 and the store rounds once.
  const half = b.list.map(() => false);
  call.outputs.forEach((o, k) => {
    if (o.dtype === 'float16') half[b.outBinding[k]] = true;
  });
  call.inputs.forEach((v, j) => {
    if (v.dtype === 'float16') half[b.inBinding[j]] = true;
  });
  const anyHalf = half.some((h) => h);
  const spec: ExprShader = {
    nodes: program.nodes,
    types,
    outputs: program.outputs,
    outTypes: call.outputs.map((o) => (o.dtype === 'float16' ? 'float32' : o.dtype)),
    half,
    inputs: call.inputs.length,
    bindings: b.list.map((x) => x.write),
    outBinding: b.outBinding,
    inBinding: b.inBinding,
    paramBase: 0,
    literalConsts: false,
  };
  const bindKey = `${b.outBinding.join(',')}/${b.inBinding.join(',')}/${spec.bindings.map((w) => (w ? 'w' : 'r')).join('')}`;
  const outKey = `${spec.outTypes.map((t) => t[0]).join('')}${anyHalf ? `|h${half.map((h) => (h ? 1 : 0)).join('')}` : ''}`;
  let pwords = scalarWords(call);
  // Words per dispatch are capped (PARAM_WINDOW in runtime.ts); index words are at most ~100.
  if (pwords.length > PARAM_WORDS_FOR_SCALARS) {
    spec.literalConsts = true;
    pwords = scalarWords(call, false);
  }
  const maxDim = runtime.limits.maxComputeWorkgroupsPerDimension;

  const reduce = reduceOf(call);
  if (reduce) {
    const { outer, inner } = reduce;
    if (outer === 0) return;
    const plan = new IndexPlan([outer, inner], call.inputs);
    const index = stridedIndex(plan, call.inputs.length);
    const rowWord = plan.params.length;
    const words = [...plan.params, outer, inner, 0];
    for (const o of call.outputs) words.push(o.offset, o.shape.length ? o.strides[o.shape.length - 1] : 1);
    spec.paramBase = words.length;
    words.push(...pwords);
    // The reduce kernel's rule (backend.ts): a thread per row when rows are short.
    const perRow = inner < 64 || (outer >= 4096 && inner < 1024);
    const size = perRow ? 64 : rowThreads(inner);
    runtime.dispatch({
      key: `expr-r|${perRow}|${size}|${index.key}|${key}|${bindKey}|${outKey}|${spec.paramBase}|${spec.literalConsts}`,
      source: () => exprReduceShader(spec, reduce, index.code, size, rowWord, perRow),
      bindings: b.list,
      params: u32s(words),
      workgroups: grid(perRow ? Math.ceil(outer / size) : outer, maxDim),
    });
    return;
  }

  const shape = call.outputs[0]?.shape ?? call.inputs[0]?.shape ?? [];
  const views = [...call.outputs, ...call.inputs];
  const plan = new IndexPlan(shape, views);
  if (plan.n === 0) return;
  spec.paramBase = plan.params.length;
  const words = [...plan.params, ...pwords];
  // Offsets sit at 1 + rank + v * (1 + rank) of IndexPlan's layout.
  const index = stridedIndex(plan, views.length);
  const offsetWord = views.map((_, v) => 1 + plan.rank + v * (1 + plan.rank));
  const vec4 =
    !anyHalf &&
    plan.n % 4 === 0 &&
    plan.contiguous.every((c) => c) &&
    views.every((v) => v.offset % 4 === 0) &&
    b.list.every((x) => x.buffer.size % 16 === 0);
  runtime.dispatch({
    key: `expr|${vec4 ? `v4:${plan.rank}` : index.key}|${key}|${bindKey}|${outKey}|${spec.paramBase}|${spec.literalConsts}`,
    source: () => (vec4 ? exprVec4Shader(spec, offsetWord) : exprShader(spec, index.code)),
    bindings: b.list,
    params: u32s(words),
    workgroups: grid(Math.ceil((vec4 ? plan.n / 4 : plan.n) / WG), maxDim),
  });
}
