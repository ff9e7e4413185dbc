/**
 * The "compute dtype" of 16-bit floats: the one place core runs float16/bfloat16 math.
 *
 * Backends store float16 and bfloat16 as 16-bit patterns and convert only in `copy` (and
 * `fill`); their arithmetic kernels see float32 alone. So every arithmetic kernel call goes
 * through {@link kernels}: when a view argument is 16-bit, it is copied to a float32
 * temporary (exact), the kernel runs on float32 views, and each output is copied back into
 * its 16-bit view, which rounds to nearest even once per kernel, as PyTorch's CPU kernels
 * compute in float and round each op's result (matmul and reductions accumulate in float32,
 * as PyTorch's CUDA kernels do). Every op thereby works on every backend. A backend that
 * lists a kernel in its optional `float16Kernels` (contract.ts) gets that kernel's float16
 * views unconverted instead: same numbers, without the widening copies.
 */
import { contiguousStrides } from '../tensor/shape.js';
import type { Backend, BackendBuffer, FusedKernels, Kernels, View } from './contract.js';

type Role = 'in' | 'out' | 'inout';

/** Which positional arguments of each kernel are views, and whether it reads or writes them. */
const ROLES: Record<string, Partial<Record<number, Role>>> = {
  unary: { 1: 'in', 2: 'out' },
  binary: { 1: 'in', 2: 'in', 3: 'out' },
  where: { 0: 'in', 1: 'in', 2: 'in', 3: 'out' },
  reduce: { 1: 'in', 2: 'out' },
  matmul: { 0: 'in', 1: 'in', 2: 'out' },
  gather: { 0: 'in', 1: 'in', 3: 'out' },
  scatterAdd: { 0: 'inout', 1: 'in', 2: 'in' },
  random: { 2: 'out' },
  conv2d: { 0: 'in', 1: 'in', 2: 'in', 3: 'out' },
  softmax: { 0: 'in', 1: 'out' },
  layerNorm: { 0: 'in', 1: 'in', 2: 'in', 3: 'out', 4: 'out', 5: 'out' },
  lstmCell: { 0: 'in', 1: 'in', 2: 'in', 3: 'out', 4: 'out' },
  gruCell: { 0: 'in', 1: 'in', 2: 'in', 3: 'out', 4: 'out' },
  pool2d: { 0: 'in', 1: 'out', 2: 'out', 3: 'in' },
  conv2dInputGrad: { 0: 'in', 1: 'in', 2: 'out' },
  conv2dWeightGrad: { 0: 'in', 1: 'in', 2: 'out' },
  pool2dBackward: { 0: 'in', 1: 'in', 2: 'in', 3: 'out' },
};

const KERNEL_NAMES = [
  'unary',
  'binary',
  'where',
  'reduce',
  'matmul',
  'gather',
  'scatterAdd',
  'random',
] as const;

/** The arithmetic kernels of a backend, as core calls them (see the file comment). */
export type ComputeKernels = Pick<Kernels, (typeof KERNEL_NAMES)[number]>;

const cache = new WeakMap<Backend, ComputeKernels>();

function isHalfView(v: unknown): v is View {
  if (v === null || typeof v !== 'object') return false;
  const d = (v as { dtype?: unknown }).dtype;
  return (d === 'float16' || d === 'bfloat16') && 'buffer' in v;
}

/** `backend`'s arithmetic kernels, taking 16-bit float views through float32 temporaries. */
export function kernels(backend: Backend): ComputeKernels {
  let k = cache.get(backend);
  if (!k) {
    const w = {} as Record<string, unknown>;
    for (const name of KERNEL_NAMES) {
      // Looked up at each call, not bound once: the profiler wraps the backend's methods.
      const fn = (...a: unknown[]) => (backend[name] as (...x: unknown[]) => void).apply(backend, a);
      w[name] = (...args: unknown[]) => viaFloat32(backend, name, fn, args);
    }
    k = w as unknown as ComputeKernels;
    cache.set(backend, k);
  }
  return k;
}

/** A fused kernel of `backend`, taking 16-bit views the same way (null stays null). */
export function computeFused<K extends keyof FusedKernels>(
  backend: Backend,
  name: K,
  fn: NonNullable<FusedKernels[K]> | null,
): NonNullable<FusedKernels[K]> | null {
  if (!fn) return null;
  const f = fn as unknown as (...a: unknown[]) => void;
  return ((...args: unknown[]) => viaFloat32(backend, name, f, args)) as unknown as NonNullable<
    FusedKernels[K]
  >;
}

function viaFloat32(backend: Backend, name: string, fn: (...a: unknown[]) => void, args: unknown[]): void {
  const native = backend.float16Kernels?.has(name) === true;
  // The views to widen: every 16-bit one, or only bfloat16 ones where float16 is native.
  const widen = (a: unknown): a is View => isHalfView(a) && !(native && a.dtype === 'float16');
  if (!args.some(widen)) {
    fn(...args);
    return;
  }
  const roles = ROLES[name] ?? {};
  const temps: BackendBuffer[] = [];
  const writeBack: [View, View][] = [];
  const call = args.map((a, i) => {
    if (!widen(a)) return a;
    const role = roles[i] ?? 'in';
    const t = role === 'out' ? denseTemp(backend, a) : upcast(backend, a);
    temps.push(t.buffer);
    if (role !== 'in') writeBack.push([t, a]);
    return t;
  });
  try {
    fn(...call);
    // Rounds float32 to the view's 16-bit dtype (nearest even), in the backend's copy.
    for (const [t, v] of writeBack) backend.copy(t, v);
  } finally {
    // Queue order keeps these valid for the work already enqueued (contract: release).
    for (const b of temps) backend.release(b);
  }
}

/** A contiguous float32 temporary of `v`'s shape (contents unspecified). */
function denseTemp(backend: Backend, v: View): View {
  const n = v.shape.reduce((a, b) => a * b, 1);
  return {
    buffer: backend.alloc(Math.max(n, 1), 'float32'),
    dtype: 'float32',
    shape: v.shape,
    strides: contiguousStrides(v.shape),
    offset: 0,
  };
}

/**
 * `v` converted to float32 (exact). Broadcast dims (stride 0) stay broadcast: only the
 * distinct elements are copied, so an expanded scalar costs one element.
 */
function upcast(backend: Backend, v: View): View {
  const compact = v.shape.map((d, i) => (v.strides[i] === 0 ? 1 : d));
  const dense = denseTemp(backend, { ...v, shape: compact });
  backend.copy({ ...v, shape: compact }, dense);
  const strides = dense.strides.map((s, i) => (v.strides[i] === 0 ? 0 : s));
  return { ...dense, shape: v.shape, strides };
}
