/**
 * Running an expression program on tensors: core resolves the call shape, broadcasts the
 * inputs, allocates (or takes in place) the outputs, and hands the views to the backend's
 * `fused.expression`, or to the required-kernel fallback when the backend has none. Outside
 * autograd: compositions attach their own backward (see nn/functional/fused-*.ts).
 */
import type { DType, View } from '../backend/contract.js';
import { fusedKernel } from '../nn/functional/fused.js';
import { backendOf, broadcastView, empty } from '../ops/kernel.js';
import { isHalf } from '../tensor/half.js';
import { broadcastShapes, contiguousStrides, fmtShape, shapeEqual, viewStrides } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { runFallback } from './fallback.js';
import type { ExprProgram } from './ir.js';

/** Options of {@link runExpression}. */
export interface RunExpressionOptions {
  /** The call's params (`program.paramCount` of them). */
  readonly params?: readonly number[];
  /** The call shape (default: the inputs' broadcast shape). With a reduction its last dim is reduced. */
  readonly shape?: readonly number[];
  /**
   * Per output, a tensor to write in place (it must have the output shape and dtype), or
   * null to allocate one. An in-place target may be one of the inputs (an optimizer's
   * param, m, v): the backend reads every input of an element before writing it.
   */
  readonly into?: readonly (Tensor | null | undefined)[];
}

const loadDTypeCache = new WeakMap<ExprProgram, readonly (string | undefined)[]>();

/**
 * The dtype each input is loaded as (undefined: not loaded). Programs are cached by
 * structure, so this walk over the nodes is kept per program: it ran twice per call.
 */
function loadDTypes(program: ExprProgram): readonly (string | undefined)[] {
  const hit = loadDTypeCache.get(program);
  if (hit) return hit;
  const dts: (string | undefined)[] = new Array(program.inputCount).fill(undefined);
  for (const n of program.nodes) if (n.kind === 'load') dts[n.input] = n.dtype;
  loadDTypeCache.set(program, dts);
  return dts;
}

/**
 * The 16-bit float dtype an expression computes for, or null: when every input the program
 * loads as float32 is float16 (or every one bfloat16), those inputs are widened to float32,
 * the program runs in float32, and its float32 outputs are rounded to that dtype once, as
 * PyTorch's CPU kernels compute in float and round each op's result. Compositions therefore
 * hand 16-bit tensors to expressions as they are. Mixed with float32 (or float16 with
 * bfloat16) the 16-bit inputs are widened all the same and the outputs stay float32,
 * PyTorch's promotion (or round into a 16-bit in-place target: an optimizer's half param).
 * A backend listing `expression` in `float16Kernels` takes the float16 inputs and outputs as
 * they are and does the widening and the one rounding itself.
 */
export function expressionLowDType(program: ExprProgram, inputs: readonly Tensor[]): DType | null {
  const dts = loadDTypes(program);
  let low: DType | null = null;
  for (let i = 0; i < inputs.length; i++) {
    if (dts[i] !== 'float32') continue;
    const d = inputs[i].dtype;
    if (!isHalf(d) || (low !== null && low !== d)) return null;
    low = d;
  }
  return low;
}

/** The dtype of output `j`: the program's, or the 16-bit one its float32 result rounds to. */
function outputDType(program: ExprProgram, j: number, low: DType | null): DType {
  const d = program.nodes[program.outputs[j]].dtype as DType;
  return low !== null && d === 'float32' ? low : d;
}

/** `v` (of `shape`) as an `[outer, inner]` view, or null where its strides do not allow it. */
function asRows(v: View, outer: number, inner: number): View | null {
  const strides = viewStrides(v.shape, v.strides, [outer, inner]);
  return strides ? { ...v, shape: [outer, inner], strides } : null;
}

/** Views equal in what they address (so writing one through the other is an exact alias). */
function sameLayout(a: View, b: View): boolean {
  return (
    a.buffer === b.buffer &&
    a.offset === b.offset &&
    a.shape.length === b.shape.length &&
    a.strides.every((s, i) => s === b.strides[i] && a.shape[i] === b.shape[i])
  );
}

/**
 * Run `program` over `inputs` as one kernel (or the fallback). Returns one tensor per
 * program output: the `into` target where one was given, else a fresh tensor of the output
 * shape. Never reads back; nothing is recorded for autograd.
 */
export function runExpression(
  program: ExprProgram,
  inputs: readonly Tensor[],
  options: RunExpressionOptions = {},
): Tensor[] {
  const op = `expression '${program.name}'`;
  const params = options.params ?? [];
  if (inputs.length !== program.inputCount) {
    throw new RangeError(`${op}: expected ${program.inputCount} inputs, got ${inputs.length}`);
  }
  if (params.length !== program.paramCount) {
    throw new RangeError(`${op}: expected ${program.paramCount} params, got ${params.length}`);
  }
  const backend = backendOf(op, ...inputs, ...(options.into ?? []));
  const dts = loadDTypes(program);
  const low = expressionLowDType(program, inputs);
  inputs.forEach((t, i) => {
    if (dts[i] !== undefined && t.dtype !== dts[i] && !(dts[i] === 'float32' && isHalf(t.dtype))) {
      throw new TypeError(`${op}: input ${i} must be ${dts[i]}, got ${t.dtype}`);
    }
  });
  const shape = options.shape ?? inputs.reduce<number[]>((s, t) => broadcastShapes(s, t.shape, op), []);
  const reduce = program.reduce !== undefined;
  if (reduce && shape.length === 0)
    throw new RangeError(`${op}: a reduction needs a call shape of rank >= 1`);
  const outShape = reduce ? shape.slice(0, -1) : shape;
  const inner = reduce ? shape[shape.length - 1] : 0;
  const outer = reduce ? outShape.reduce((a, b) => a * b, 1) : 0;
  const kernel = fusedKernel(backend, 'expression');
  // float16 views go to the kernel unconverted where the backend says it widens and rounds itself.
  const native = (d: DType) =>
    d === 'float16' && kernel !== null && backend.float16Kernels?.has('expression') === true;
  const temps: Tensor[] = [];
  try {
    const inViews = inputs.map((t, i) => {
      let v = broadcastView(t, shape, op);
      if (isHalf(t.dtype) && dts[i] === 'float32' && !native(t.dtype)) {
        // Widened to float32 (exact); a broadcast input is materialised at the call shape.
        const w = empty(shape, 'float32', backend, op);
        temps.push(w);
        backend.copy(v, w._view());
        v = w._view();
      }
      if (!reduce) return v;
      const rows = asRows(v, outer, inner);
      if (rows) return rows;
      // Strides that cannot fold into [outer, inner] (a transposed broadcast): materialise.
      const c = empty(shape, t.dtype, backend, op);
      temps.push(c);
      backend.copy(v, c._view());
      return asRows(c._view(), outer, inner) as View;
    });
    const outputs = program.outputs.map((_, j) => {
      const dtype = outputDType(program, j, low);
      const target = options.into?.[j];
      if (target) {
        // A 16-bit target of a float32 result takes it rounded (an optimizer's half param).
        const rounds = dtype === 'float32' && isHalf(target.dtype);
        if (!shapeEqual(target.shape, outShape) || (target.dtype !== dtype && !rounds)) {
          throw new RangeError(
            `${op}: in-place output ${j} must be ${dtype} of shape ${fmtShape(outShape)}, got ${target.dtype} of shape ${fmtShape(target.shape)}`,
          );
        }
        return target;
      }
      return empty(outShape, dtype, backend, op);
    });
    const outViews = outputs.map((t) => {
      const v = t._view(op);
      if (!reduce) return v;
      const strides = viewStrides(v.shape, v.strides, [outer]);
      return strides ? { ...v, shape: [outer], strides } : null;
    });
    // An output sharing memory with an input other than exactly (or, reduced, not foldable
    // into [outer]), or rounded to a 16-bit dtype the backend does not round itself, is
    // computed aside in the program's dtype and copied (the copy rounds to nearest even).
    const staged = outViews.map((o, j) => {
      const computed = program.nodes[program.outputs[j]].dtype as DType;
      const rounded = computed === 'float32' && native(outputs[j].dtype);
      return o === null ||
        (outputs[j].dtype !== computed && !rounded) ||
        inViews.some((i) => i.buffer === o.buffer && (reduce || !sameLayout(i, o)))
        ? empty(reduce ? [outer] : outShape, computed, backend, op)
        : null;
    });
    for (const s of staged) if (s) temps.push(s);
    const views = outViews.map((o, j) => staged[j]?._view() ?? (o as View));
    const size = reduce ? outer * inner : outShape.reduce((a, b) => a * b, 1);
    if (size > 0 || (reduce && outer > 0)) {
      if (kernel) kernel({ program, inputs: inViews, outputs: views, params });
      else runFallback(backend, program, inViews, views, params, reduce ? [outer, inner] : shape);
    }
    staged.forEach((s, j) => {
      if (s)
        backend.copy(
          { ...s._view(), shape: outShape, strides: contiguousStrides(outShape) },
          outputs[j]._view(op),
        );
    });
    return outputs;
  } finally {
    for (const t of temps) t.dispose();
  }
}
