/**
 * Matmul dispatch: the variant families (one thread per output, shared-memory tiles, direct
 * register blocks, split-K), the deterministic heuristic, and the tuner hookup (conv2d and its
 * gradients, which share the blocks, are in ops/conv.ts).
 * Variant names: 'naive', 't:<tile>' (kernels/matmul.ts), 'd:<block>' and, for matmul,
 * 'd:<block>:s' (split-K) (kernels/gemm-direct.ts).
 */
import type { View } from '@layers/core';
import { grid, u32s } from '../kernels/common.js';
import {
  DIRECT_CONFIGS,
  type DirectConfig,
  type DirectConfigName,
  directMatmulShader,
  directSpan,
  splitSumShader,
} from '../kernels/gemm-direct.js';
import type { Storage } from '../kernels/half.js';
import {
  GEMM_CONFIGS,
  type GemmConfigName,
  ioKey,
  matmulLayout,
  matmulNaiveShader,
  matmulShader,
  pickGemmConfig,
} from '../kernels/matmul.js';
import type { Binding, DispatchSpec, Runtime } from '../runtime.js';
import { scratch, timeSpecs } from '../tuning/measure.js';
import { bucket, type Tuner } from '../tuning/tuner.js';

const prefix = '@layers/backend-webgpu';

/** What the ops need from the backend. */
export interface GemmContext {
  readonly runtime: Runtime;
  readonly tuner: Tuner;
  /** The adapter runs workgroups on CPU threads (steers the heuristic to direct kernels). */
  readonly cpuAdapter: boolean;
  /** Forced variant (tests); null picks. */
  readonly override: string | null;
}

export const TILES = Object.keys(GEMM_CONFIGS) as GemmConfigName[];
export const BLOCKS = Object.keys(DIRECT_CONFIGS) as DirectConfigName[];

/** Every matmul variant name (tests run each). */
export const MATMUL_VARIANTS: readonly string[] = [
  'naive',
  ...TILES.map((t) => `t:${t}`),
  ...BLOCKS.map((b) => `d:${b}`),
  ...BLOCKS.map((b) => `d:${b}:s`),
];

/** Output padding factor of covering an M x N product with `rows` x `cols` blocks. */
export function waste(M: number, N: number, rows: number, cols: number): number {
  return (Math.ceil(M / rows) * rows * Math.ceil(N / cols) * cols) / (M * N);
}

/** The direct block with the least padding, then the most work per thread. */
export function pickDirect(M: number, N: number): DirectConfigName {
  let best: DirectConfigName = 'd4x4';
  let key = [Number.POSITIVE_INFINITY, 0];
  for (const name of BLOCKS) {
    const c = DIRECT_CONFIGS[name];
    const [r, cl] = directSpan(c);
    const k = [Math.round(waste(M, N, r, cl) * 8) / 8, -(c.tm * c.tn)];
    if (k[0] < key[0] || (k[0] === key[0] && k[1] < key[1])) {
      key = k;
      best = name;
    }
  }
  return best;
}

/**
 * K slices for split-K: enough (up to 512, each at least 64 long) that the product fills
 * the device when its output alone gives few blocks.
 */
export function splitCount(blocks: number, K: number): number {
  if (K < 1024 || blocks >= 256) return 1;
  return Math.max(1, Math.min(512, Math.floor(K / 64), Math.ceil(4096 / blocks)));
}

interface MatmulDims {
  B: number;
  M: number;
  N: number;
  K: number;
  /** aOff, aSb, aSm, aSk, bOff, bSb, bSk, bSn, outOff. */
  strides: number[];
  /** Storage of A, B and out: 'f16' for float16 views on a shader-f16 device. */
  t: Storage;
}

/** The dispatches of one variant (split-K asks `part` for S*B*M*N floats of scratch). */
function matmulSpecs(
  variant: string,
  d: MatmulDims,
  out: GPUBuffer,
  a: GPUBuffer,
  b: GPUBuffer,
  part: (elements: number) => GPUBuffer,
  maxDim: number,
): DispatchSpec[] {
  const { B, M, N, K, strides, t } = d;
  const io = { input: t, output: t };
  const base = [B, M, N, K];
  const ins: Binding[] = [
    { buffer: a, write: false },
    { buffer: b, write: false },
  ];
  if (variant === 'naive') {
    return [
      {
        key: `mm-naive${ioKey(io)}`,
        source: () => matmulNaiveShader(io),
        bindings: [{ buffer: out, write: true }, ...ins],
        params: u32s([...base, 0, ...strides]),
        workgroups: grid(Math.ceil((B * M * N) / 64), maxDim),
      },
    ];
  }
  const [kind, name, split] = variant.split(':');
  const specs: DispatchSpec[] = [];
  if (kind === 't') {
    const cfg = GEMM_CONFIGS[name as GemmConfigName];
    const layout = matmulLayout(strides[2], strides[3], strides[6], strides[7]);
    const gx = Math.ceil(N / cfg.bn);
    const gy = Math.ceil(M / cfg.bm);
    if (gx > maxDim || gy > maxDim) throw new Error(`${prefix}: matmul too large for one dispatch`);
    for (let b0 = 0; b0 < B; b0 += maxDim) {
      specs.push({
        key: `mm|${name}|${layout.aFast}${layout.bFast}${ioKey(io)}`,
        source: () => matmulShader(cfg, layout, t),
        bindings: [{ buffer: out, write: true }, ...ins],
        params: u32s([...base, b0, ...strides]),
        workgroups: [gx, gy, Math.min(maxDim, B - b0)],
      });
    }
    return specs;
  }
  const cfg: DirectConfig = DIRECT_CONFIGS[name as DirectConfigName];
  const [rows, cols] = directSpan(cfg);
  const gx = Math.ceil(N / cols);
  const gy = Math.ceil(M / rows);
  if (gx > maxDim || gy > maxDim) throw new Error(`${prefix}: matmul too large for one dispatch`);
  let S = split ? splitCount(gx * gy * B, K) : 1;
  const chunk = Math.ceil(K / S);
  S = Math.ceil(K / chunk);
  const dst = S > 1 ? part(S * B * M * N) : out;
  // Float16 slices are kept in float32 and rounded once, by the sum.
  const sliceIO = S > 1 ? { input: t, output: 'f32' as const } : io;
  const perBatch = Math.max(1, Math.floor(maxDim / S));
  for (let b0 = 0; b0 < B; b0 += perBatch) {
    const p = [...base, b0, ...strides.slice(0, 8)];
    // Slices go to the scratch at offset 0, slice stride B*M*N; unsplit straight to out.
    p.push(S > 1 ? 0 : strides[8], S, chunk, S > 1 ? B * M * N : 0);
    specs.push({
      key: `mmd|${name}${ioKey(sliceIO)}`,
      source: () => directMatmulShader(cfg, sliceIO),
      bindings: [{ buffer: dst, write: true }, ...ins],
      params: u32s(p),
      workgroups: [gx, gy, Math.min(perBatch, B - b0) * S],
    });
  }
  if (S > 1) {
    specs.push({
      key: `mm-splitsum${ioKey({ input: 'f32', output: t })}`,
      source: () => splitSumShader(t),
      bindings: [
        { buffer: out, write: true },
        { buffer: dst, write: false },
      ],
      params: u32s([B * M * N, S, strides[8]]),
      workgroups: grid(Math.ceil((B * M * N) / 64), maxDim),
    });
  }
  return specs;
}

/**
 * The variant a class's first calls dispatch while the chosen one's pipelines compile in the
 * background (Runtime.ready): a small register block, quick to compile. First matmul 256
 * read back on SwiftShader (loaded 2-core machine): the heuristic d8x8 compiled in 580-780 ms
 * and then ran in 50-70 ms; d4x4 compiled in 200 ms and ran in 100-125 ms.
 */
export const STARTER = 'd:d4x4';

/** `chosen` when its pipelines are compiled (or it is the starter), else `starter`. */
export function startVariant(
  rt: Runtime,
  chosen: string,
  specs: (variant: string) => DispatchSpec[],
  starter = STARTER,
): string {
  return chosen === starter || rt.ready(specs(chosen)) ? chosen : starter;
}

function matmulHeuristic(ctx: GemmContext, B: number, M: number, N: number, K: number): string {
  const blk = pickDirect(M, N);
  const [r, c] = directSpan(DIRECT_CONFIGS[blk]);
  const blocks = B * Math.ceil(M / r) * Math.ceil(N / c);
  if (splitCount(blocks, K) > 1) return `d:${blk}:s`;
  if (ctx.cpuAdapter) return `d:${blk}`;
  if (M * N <= 4096 || M < 8 || N < 8) return 'naive';
  return `t:${pickGemmConfig(B, M, N)}`;
}

/** Candidates worth timing: variants that do not pad the product more than twice. */
function matmulCandidates(B: number, M: number, N: number, K: number): string[] {
  const out: string[] = [];
  if (M * N <= 1 << 16) out.push('naive');
  for (const t of TILES) if (waste(M, N, GEMM_CONFIGS[t].bm, GEMM_CONFIGS[t].bn) <= 2) out.push(`t:${t}`);
  for (const b of BLOCKS) {
    const [r, c] = directSpan(DIRECT_CONFIGS[b]);
    if (waste(M, N, r, c) > 2) continue;
    out.push(`d:${b}`);
    if (splitCount(B * Math.ceil(M / r) * Math.ceil(N / c), K) > 1) out.push(`d:${b}:s`);
  }
  return out;
}

/** Elements a strided view with non-negative strides spans from offset 0. */
export function extent(shape: readonly number[], strides: readonly number[]): number {
  let e = 1;
  for (let i = 0; i < shape.length; i++) e += (shape[i] - 1) * Math.abs(strides[i]);
  return e;
}

export function matmulOp(ctx: GemmContext, a: View, b: View, out: View, bind: (v: View) => GPUBuffer): void {
  const rt = ctx.runtime;
  const maxDim = rt.limits.maxComputeWorkgroupsPerDimension;
  const [B, M, K] = a.shape;
  const N = b.shape[2];
  const strides = [a.offset, ...a.strides, b.offset, ...b.strides, out.offset];
  // float16 reaches here only where the backend lists matmul in float16Kernels (shader-f16).
  const t: Storage = a.dtype === 'float16' ? 'f16' : 'f32';
  const d: MatmulDims = { B, M, N, K, strides, t };
  const layout = matmulLayout(a.strides[1], a.strides[2], b.strides[1], b.strides[2]);
  const cls = `mm|${bucket(B)}x${bucket(M)}x${bucket(N)}x${bucket(K)}|${layout.aFast}${layout.bFast}${t === 'f16' ? '|f16' : ''}`;
  const candidates = matmulCandidates(B, M, N, K);
  const variant =
    ctx.override ??
    ctx.tuner.pick(cls, candidates, matmulHeuristic(ctx, B, M, N, K), () => {
      // Same shape and layout on scratch buffers (offsets 0), kept until the job ends.
      const ts = [0, ...a.strides, 0, ...b.strides, 0];
      const sizes = [B * M * N, extent(a.shape, a.strides), extent(b.shape, b.strides)];
      return async (v) => {
        const s = scratch(rt.device, sizes);
        let sp: ReturnType<typeof scratch> | null = null;
        const part = (n: number) => {
          sp = scratch(rt.device, [n]);
          return sp.bufs[0];
        };
        try {
          const [o, sa, sb] = s.bufs;
          return await timeSpecs(rt, matmulSpecs(v, { ...d, strides: ts }, o, sa, sb, part, maxDim));
        } finally {
          s.destroy();
          (sp as ReturnType<typeof scratch> | null)?.destroy();
        }
      };
    });
  const [o, ba, bb] = [bind(out), bind(a), bind(b)];
  // Probing readiness needs only keys and binding signatures: any buffer stands in for scratch.
  const use = ctx.override
    ? variant
    : startVariant(rt, variant, (v) => matmulSpecs(v, d, o, ba, bb, () => o, maxDim));
  let temp: ReturnType<Runtime['allocate']> | null = null;
  const part = (n: number) => {
    temp = rt.allocate(n);
    return temp.gpu;
  };
  for (const spec of matmulSpecs(use, d, o, ba, bb, part, maxDim)) rt.dispatch(spec);
  // Queue order keeps the scratch valid for the dispatches above after it is released.
  if (temp) rt.release(temp);
}
