/**
 * The template backend: every required kernel of the Backend contract, written as plainly
 * as possible (one generic strided loop, no fused fast paths). It exists so that a new
 * backend starts from something that passes the conformance suite: copy this package,
 * rename it, then replace kernels one at a time with fast ones, re-running the suite.
 */
import {
  type Backend,
  type BackendBuffer,
  type BinaryOp,
  type DType,
  expr,
  fromBFloat16Bits,
  fromFloat16Bits,
  philoxFill,
  type TypedArray,
  toBFloat16Bits,
  toFloat16Bits,
  type UnaryOp,
  type View,
} from '@layers/core';

interface Buf {
  data: TypedArray;
}

function alloc(size: number, dtype: DType): Buf {
  if (dtype === 'float32') return { data: new Float32Array(size) };
  if (dtype === 'int32') return { data: new Int32Array(size) };
  // float16 and bfloat16 are stored as bits; only copy and fill see them (core upcasts
  // every other kernel's 16-bit views to float32).
  if (dtype === 'float16' || dtype === 'bfloat16') return { data: new Uint16Array(size) };
  return { data: new Uint8Array(size) };
}

const arr = (v: View): TypedArray => (v.buffer as Buf).data;

/** Calls fn(i, offsets...) for every element i of `shape` with each view's element offset. */
function forEach(
  shape: readonly number[],
  views: readonly View[],
  fn: (i: number, offs: number[]) => void,
): void {
  const n = shape.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(shape.length).fill(0);
  const offs = views.map((v) => v.offset);
  for (let i = 0; i < n; i++) {
    fn(i, offs);
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]++;
      for (let k = 0; k < views.length; k++) offs[k] += views[k].strides[d];
      if (idx[d] < shape[d]) break;
      for (let k = 0; k < views.length; k++) offs[k] -= views[k].strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/**
 * Store with the destination dtype's conversion rules (int truncates, bool is != 0, 16-bit
 * floats round to nearest even through core's converters).
 */
function store(dst: TypedArray, dtype: DType, i: number, v: number): void {
  if (dtype === 'bool') dst[i] = v !== 0 ? 1 : 0;
  else if (dtype === 'int32') dst[i] = Number.isNaN(v) ? 0 : Math.trunc(v);
  else if (dtype === 'float16') dst[i] = toFloat16Bits(v);
  else if (dtype === 'bfloat16') dst[i] = toBFloat16Bits(v);
  else dst[i] = v;
}

/** The value at `i` of a buffer of `dtype` (16-bit floats decoded from their bits). */
function load(src: TypedArray, dtype: DType, i: number): number {
  if (dtype === 'float16') return fromFloat16Bits(src[i]);
  if (dtype === 'bfloat16') return fromBFloat16Bits(src[i]);
  return src[i];
}

export function createTemplateBackend(): Backend {
  return {
    name: 'template',
    fused: {},
    alloc: (size, dtype) => alloc(size, dtype),
    write(buffer: BackendBuffer, _dtype, data) {
      (buffer as Buf).data.set(data);
    },
    async read(buffer, _dtype, size) {
      return (buffer as Buf).data.slice(0, size);
    },
    readSync(buffer, _dtype, size) {
      return (buffer as Buf).data.slice(0, size);
    },
    release() {},
    unary(op: UnaryOp, x, out) {
      // Scalar semantics come from core's one table (expr.unaryScalar), shared by every backend.
      const f = expr.unaryScalar(op, x.dtype);
      if (f === undefined) throw new TypeError(`template: unary '${op}' is not defined for ${x.dtype}`);
      const src = arr(x);
      const dst = arr(out);
      forEach(out.shape, [x, out], (_i, [a, o]) => store(dst, out.dtype, o, f(src[a])));
    },
    binary(op: BinaryOp, a, b, out) {
      const f = expr.binaryScalar(op, a.dtype);
      const da = arr(a);
      const db = arr(b);
      const dst = arr(out);
      forEach(out.shape, [a, b, out], (_i, [ia, ib, o]) => store(dst, out.dtype, o, f(da[ia], db[ib])));
    },
    where(cond, a, b, out) {
      const dc = arr(cond);
      const da = arr(a);
      const db = arr(b);
      const dst = arr(out);
      forEach(out.shape, [cond, a, b, out], (_i, [ic, ia, ib, o]) => {
        dst[o] = dc[ic] ? da[ia] : db[ib];
      });
    },
    copy(x, out) {
      const src = arr(x);
      const dst = arr(out);
      forEach(out.shape, [x, out], (_i, [a, o]) => store(dst, out.dtype, o, load(src, x.dtype, a)));
    },
    fill(out, value) {
      const dst = arr(out);
      forEach(out.shape, [out], (_i, [o]) => store(dst, out.dtype, o, value));
    },
    reduce(op, x, out, outer, inner) {
      const src = arr(x);
      const dst = arr(out);
      for (let r = 0; r < outer; r++) {
        const base = x.offset + r * inner;
        let acc = op === 'prod' ? 1 : op === 'sum' ? 0 : src[base];
        let arg = 0;
        for (let j = 0; j < inner; j++) {
          const v = src[base + j];
          if (op === 'sum') acc += v;
          else if (op === 'prod') acc *= v;
          else if (Number.isNaN(acc)) break;
          else if (op === 'max' || op === 'argmax') {
            if (Number.isNaN(v) || v > acc) [acc, arg] = [v, j];
          } else if (Number.isNaN(v) || v < acc) [acc, arg] = [v, j];
        }
        store(dst, out.dtype, out.offset + r, op === 'argmax' || op === 'argmin' ? arg : acc);
      }
    },
    matmul(a, b, out) {
      const [B, M, K] = a.shape;
      const N = b.shape[2];
      const da = arr(a);
      const db = arr(b);
      const dst = arr(out);
      for (let p = 0; p < B; p++)
        for (let i = 0; i < M; i++)
          for (let j = 0; j < N; j++) {
            let s = 0;
            for (let k = 0; k < K; k++) {
              s +=
                da[a.offset + p * a.strides[0] + i * a.strides[1] + k * a.strides[2]] *
                db[b.offset + p * b.strides[0] + k * b.strides[1] + j * b.strides[2]];
            }
            dst[out.offset + (p * M + i) * N + j] = s;
          }
    },
    gather(x, index, dim, out) {
      const src = arr(x);
      const idx = arr(index);
      const dst = arr(out);
      const pos = new Array<number>(out.shape.length).fill(0);
      forEach(out.shape, [index, out], (i, [ii, o]) => {
        let rem = i;
        for (let d = out.shape.length - 1; d >= 0; d--) {
          pos[d] = rem % out.shape[d];
          rem = Math.floor(rem / out.shape[d]);
        }
        let off = x.offset;
        for (let d = 0; d < pos.length; d++) off += (d === dim ? idx[ii] : pos[d]) * x.strides[d];
        dst[o] = src[off];
      });
    },
    scatterAdd(out, index, src, dim) {
      const dst = arr(out);
      const idx = arr(index);
      const s = arr(src);
      const pos = new Array<number>(index.shape.length).fill(0);
      forEach(index.shape, [index, src], (i, [ii, is]) => {
        let rem = i;
        for (let d = index.shape.length - 1; d >= 0; d--) {
          pos[d] = rem % index.shape[d];
          rem = Math.floor(rem / index.shape[d]);
        }
        let off = out.offset;
        for (let d = 0; d < pos.length; d++) off += (d === dim ? idx[ii] : pos[d]) * out.strides[d];
        dst[off] += s[is];
      });
    },
    random(kind, state, out) {
      const n = out.shape.reduce((a, b) => a * b, 1);
      const tmp = new Float32Array(n);
      philoxFill(kind, state, tmp);
      (arr(out) as Float32Array).set(tmp, out.offset);
    },
  };
}
