/**
 * Tiled GEMM in WGSL. A workgroup computes a BM x BN output tile; each thread owns TM x TN
 * outputs as vec4 rows (TM, TN multiples of 4), its columns interleaved across the workgroup
 * so neighbouring threads read neighbouring vec4s of shared memory (no bank conflicts) and
 * store neighbouring outputs. Each K step stages BM x BK of A and BK x BN of B in workgroup
 * memory, both k-major (A transposed) so the inner loop reads whole vec4s; the next slice's
 * global loads are issued into registers before the current slice's FMAs (register double
 * buffering). Which index of A and B the threads walk fastest while loading follows the
 * layout (the unit-stride index) so global loads coalesce for row-major and transposed views.
 *
 * The generator takes loader/store snippets so matmul (strided batched views) and conv2d
 * (implicit GEMM: B is the im2col matrix, computed on the fly) share the same core.
 * Matmul's float16 variants (shader-f16) bind A, B and O as array<f16> and accumulate in f32,
 * rounding once at the store, as PyTorch's CUDA matmul does ({@link MatmulIO}).
 */
import { enableF16, loadF32, type Storage, storeAs } from './half.js';

/** Storage types of a matmul's operands (A and B) and of its output. */
export interface MatmulIO {
  readonly input: Storage;
  readonly output: Storage;
}

export const F32_IO: MatmulIO = { input: 'f32', output: 'f32' };

/** Pipeline-key suffix of `io` ('' for float32, so float32 keys are unchanged). */
export function ioKey(io: MatmulIO): string {
  return io.input === 'f32' && io.output === 'f32' ? '' : `|${io.input}>${io.output}`;
}

export interface GemmConfig {
  bm: number;
  bn: number;
  bk: number;
  tm: number;
  tn: number;
}

/** Tile shapes, largest first. 256 threads each, 64 for the 32x32 ones. */
export const GEMM_CONFIGS = {
  large: { bm: 128, bn: 128, bk: 8, tm: 8, tn: 8 },
  wide: { bm: 128, bn: 64, bk: 16, tm: 8, tn: 4 },
  medium: { bm: 64, bn: 64, bk: 16, tm: 4, tn: 4 },
  small: { bm: 32, bn: 32, bk: 16, tm: 4, tn: 4 },
} as const satisfies Record<string, GemmConfig>;
export type GemmConfigName = keyof typeof GEMM_CONFIGS;

/**
 * Tile choice: the largest tile that still yields enough workgroups to fill a large GPU (big
 * tiles reuse each loaded value more; too few workgroups leave cores idle) without padding the
 * product by more than a quarter (a 128-row tile on a 64-row product idles half its threads).
 * Thresholds from H100 measurements (scripts/tune-matmul.mjs).
 */
export function pickGemmConfig(batch: number, m: number, n: number): GemmConfigName {
  const groups = (c: GemmConfig) => batch * Math.ceil(m / c.bm) * Math.ceil(n / c.bn);
  const waste = (c: GemmConfig) => (Math.ceil(m / c.bm) * c.bm * Math.ceil(n / c.bn) * c.bn) / (m * n);
  for (const name of ['large', 'wide', 'medium'] as const) {
    const c = GEMM_CONFIGS[name];
    if (groups(c) >= 128 && waste(c) <= 1.25) return name;
  }
  return 'small';
}

export function gemmThreads(c: GemmConfig): [number, number] {
  return [c.bn / c.tn, c.bm / c.tm];
}

/** Which index consecutive threads walk when loading a tile: A: 'k' or 'm'; B: 'n' or 'k'. */
export interface GemmLayout {
  aFast: 'k' | 'm';
  bFast: 'n' | 'k';
}

export interface GemmParts {
  /** Extra declarations (bindings beyond P and O, helper functions). */
  decls: string;
  /** Statements run once per thread before the K loop (derive M, N, K, batch...). */
  prologue: string;
  /**
   * Loads. Either `addr` mode: WGSL expressions for the element index of A[m][k] and B[k][n]
   * as `base + k * kStride` (the base is computed once per thread, the K loop only adds), or
   * `fn` mode: expressions of in-range `m`, `k`, `n` and the z-slice `g` (u32) giving the value.
   */
  a: { array: string; base: string; kStride: string } | { value: string };
  b: { array: string; base: string; kStride: string } | { value: string };
  /** Element type of the address-mode arrays and of the store (default f32). */
  storage?: Storage;
  /** Statement storing `v` at output (m, n), both in range. */
  store: string;
}

export function gemmShader(p: GemmParts, c: GemmConfig, layout: GemmLayout): string {
  const [wgx, wgy] = gemmThreads(c);
  const threads = wgx * wgy;
  const la = (c.bm * c.bk) / threads;
  const lb = (c.bk * c.bn) / threads;
  if (!Number.isInteger(la) || !Number.isInteger(lb)) throw new Error('gemm: tile does not split evenly');
  const am4 = c.bm / 4;
  const bn4 = c.bn / 4;
  const ti = c.tm / 4; // vec4 row groups per thread
  const tj = c.tn / 4; // vec4 column groups per thread

  // Per load slot t: the (k, row) of A and (k, col) of B this thread loads, fixed over K.
  // Consecutive threads walk `fast` (the unit-stride index) so global loads coalesce.
  const slot = (t: number, fastDim: number, fastIsK: boolean) => {
    const e = `(li + ${t * threads}u)`;
    const fast = `${e} % ${fastDim}u`;
    const slow = `${e} / ${fastDim}u`;
    return fastIsK ? { k: fast, o: slow } : { k: slow, o: fast };
  };
  const aSlots: { k: string; o: string }[] = [];
  for (let t = 0; t < la; t++) {
    aSlots.push(layout.aFast === 'k' ? slot(t, c.bk, true) : slot(t, c.bm, false));
  }
  const bSlots: { k: string; o: string }[] = [];
  for (let t = 0; t < lb; t++) {
    bSlots.push(layout.bFast === 'k' ? slot(t, c.bk, true) : slot(t, c.bn, false));
  }

  const ld = (e: string) => loadF32(p.storage ?? 'f32', e);
  const setup: string[] = [];
  const loads: string[] = [];
  const stores: string[] = [];
  aSlots.forEach((s, t) => {
    setup.push(`let aK${t} = ${s.k}; let aM${t} = ${s.o}; let aOk${t} = m0 + aM${t} < M;`);
    if ('base' in p.a) {
      setup.push(`let aB${t} = ${p.a.base.replaceAll('$m', `(m0 + aM${t})`).replaceAll('$k', `aK${t}`)};`);
      loads.push(
        `ra${t} = select(0.0, ${ld(`${p.a.array}[aB${t} + k0 * (${p.a.kStride})]`)}, aOk${t} && k0 + aK${t} < K);`,
      );
    } else {
      loads.push(`ra${t} = select(0.0, ldA(m0 + aM${t}, k0 + aK${t}, batch), aOk${t} && k0 + aK${t} < K);`);
    }
    stores.push(`As[aK${t} * ${am4}u + aM${t} / 4u][aM${t} % 4u] = ra${t};`);
  });
  bSlots.forEach((s, t) => {
    setup.push(`let bK${t} = ${s.k}; let bN${t} = ${s.o}; let bOk${t} = n0 + bN${t} < N;`);
    if ('base' in p.b) {
      setup.push(`let bB${t} = ${p.b.base.replaceAll('$n', `(n0 + bN${t})`).replaceAll('$k', `bK${t}`)};`);
      loads.push(
        `rb${t} = select(0.0, ${ld(`${p.b.array}[bB${t} + k0 * (${p.b.kStride})]`)}, bOk${t} && k0 + bK${t} < K);`,
      );
    } else {
      loads.push(`rb${t} = select(0.0, ldB(k0 + bK${t}, n0 + bN${t}, batch), bOk${t} && k0 + bK${t} < K);`);
    }
    stores.push(`Bs[bK${t} * ${bn4}u + bN${t} / 4u][bN${t} % 4u] = rb${t};`);
  });

  const accDecl: string[] = [];
  for (let i = 0; i < c.tm * tj; i++) accDecl.push(`var c${i} = vec4<f32>(0.0);`);
  const inner: string[] = [];
  for (let i = 0; i < ti; i++) inner.push(`let a${i} = As[kk * ${am4}u + ty + ${i * wgy}u];`);
  for (let j = 0; j < tj; j++) inner.push(`let b${j} = Bs[kk * ${bn4}u + tx + ${j * wgx}u];`);
  for (let i = 0; i < ti; i++) {
    for (let r = 0; r < 4; r++) {
      for (let j = 0; j < tj; j++) {
        const acc = (i * 4 + r) * tj + j;
        inner.push(`c${acc} = fma(vec4<f32>(a${i}[${r}]), b${j}, c${acc});`);
      }
    }
  }
  const out: string[] = [];
  for (let i = 0; i < ti; i++) {
    for (let r = 0; r < 4; r++) {
      out.push(`{ let m = m0 + (ty + ${i * wgy}u) * 4u + ${r}u; if (m < M) {`);
      for (let j = 0; j < tj; j++) {
        const acc = (i * 4 + r) * tj + j;
        out.push(`  { let nb = n0 + (tx + ${j * wgx}u) * 4u; let cv = c${acc};`);
        for (let q = 0; q < 4; q++)
          out.push(`    { let n = nb + ${q}u; if (n < N) { let v = cv[${q}]; ${p.store} } }`);
        out.push('  }');
      }
      out.push('} }');
    }
  }

  return `${enableF16(p.storage ?? 'f32')}@group(0) @binding(0) var<storage, read> P: array<u32>;
${p.decls}
var<workgroup> As: array<vec4<f32>, ${c.bk * am4}>;
var<workgroup> Bs: array<vec4<f32>, ${c.bk * bn4}>;
${'value' in p.a ? `fn ldA(m: u32, k: u32, g: u32) -> f32 { return ${p.a.value}; }` : ''}
${'value' in p.b ? `fn ldB(k: u32, n: u32, g: u32) -> f32 { return ${p.b.value}; }` : ''}
@compute @workgroup_size(${wgx}, ${wgy})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  ${p.prologue}
  let m0 = wid.y * ${c.bm}u;
  let n0 = wid.x * ${c.bn}u;
  let tx = lid.x; let ty = lid.y;
  ${setup.join('\n  ')}
  ${accDecl.join(' ')}
  var k0 = 0u;
  ${loads.map((l) => `var ${l}`).join('\n  ')}
  loop {
    if (k0 >= K) { break; }
    ${stores.join('\n    ')}
    workgroupBarrier();
    k0 += ${c.bk}u;
    // Next slice's loads go out before this slice's FMAs so their latency is hidden. Loads
    // are branch-free (select): out-of-range ones read a clamped, in-bounds address under
    // WebGPU's robust buffer access and are zeroed; branches here make SwiftShader's compiler
    // take minutes.
    ${loads.join('\n    ')}
    for (var kk = 0u; kk < ${c.bk}u; kk++) {
      ${inner.join('\n      ')}
    }
    workgroupBarrier();
  }
  ${out.join('\n  ')}
}`;
}

/** Which unit-stride index to walk when loading (coalescing); any layout is still correct. */
export function matmulLayout(aSm: number, aSk: number, bSk: number, bSn: number): GemmLayout {
  return {
    aFast: aSk !== 1 && aSm === 1 ? 'm' : 'k',
    bFast: bSn !== 1 && bSk === 1 ? 'k' : 'n',
  };
}

/**
 * Batched matmul over strided views. Params: [B, M, N, K, batchBase,
 * aOff, aSb, aSm, aSk, bOff, bSb, bSk, bSn, outOff].
 */
export function matmulShader(c: GemmConfig, layout: GemmLayout, t: Storage = 'f32'): string {
  return gemmShader(
    {
      decls: `@group(0) @binding(1) var<storage, read_write> O: array<${t}>;
@group(0) @binding(2) var<storage, read> A: array<${t}>;
@group(0) @binding(3) var<storage, read> Bm: array<${t}>;`,
      storage: t,
      prologue: `let M = P[1]; let N = P[2]; let K = P[3]; let batch = wid.z + P[4];
  let aSm = P[7]; let aSk = P[8]; let bSk = P[11]; let bSn = P[12];
  let aBase = P[5] + batch * P[6]; let bBase = P[9] + batch * P[10];`,
      a: { array: 'A', base: 'aBase + $m * aSm + $k * aSk', kStride: 'aSk' },
      b: { array: 'Bm', base: 'bBase + $k * bSk + $n * bSn', kStride: 'bSk' },
      store: `O[P[13] + (batch * M + m) * N + n] = ${storeAs(t, 'v')};`,
    },
    c,
    layout,
  );
}

/** One thread per output; wins for skinny products where a tile would mostly idle. */
export function matmulNaiveShader(io: MatmulIO = F32_IO): string {
  return `${enableF16(io.input, io.output)}@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> O: array<${io.output}>;
@group(0) @binding(2) var<storage, read> A: array<${io.input}>;
@group(0) @binding(3) var<storage, read> Bm: array<${io.input}>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let M = P[1]; let N = P[2]; let K = P[3];
  let i = (wid.y * nwg.x + wid.x) * 64u + li;
  if (i >= P[0] * M * N) { return; }
  let b = i / (M * N); let r = i % (M * N); let m = r / N; let n = r % N;
  var ai = P[5] + b * P[6] + m * P[7];
  var bi = P[9] + b * P[10] + n * P[12];
  var acc = 0.0;
  for (var k = 0u; k < K; k++) {
    acc += ${loadF32(io.input, 'A[ai]')} * ${loadF32(io.input, 'Bm[bi]')};
    ai += P[8]; bi += P[11];
  }
  O[P[13] + i] = ${storeAs(io.output, 'acc')};
}`;
}

/**
 * Conv2d NCHW as implicit GEMM, one dispatch z-slice per group:
 * out[n, g*Og + m, oh, ow] = sum_k W[g*Og + m, k] * im2col[k, (n, oh, ow)] + bias.
 * Params: [N, C, H, W, O, KH, KW, OH, OW, sh, sw, dh, dw, groups, xOff, wOff, bOff, outOff].
 */
export function conv2dShader(hasBias: boolean, c: GemmConfig): string {
  return gemmShader(
    {
      decls: `@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<storage, read> X: array<f32>;
@group(0) @binding(3) var<storage, read> Wt: array<f32>;
${hasBias ? '@group(0) @binding(4) var<storage, read> Bias: array<f32>;' : ''}
fn im2col(k: u32, n: u32, g: u32) -> f32 {
  let khw = P[5] * P[6]; let ohw = P[7] * P[8];
  let c = g * (P[1] / P[13]) + k / khw; let r = k % khw;
  let kh = r / P[6]; let kw = r % P[6];
  let img = n / ohw; let pix = n % ohw;
  let oh = pix / P[8]; let ow = pix % P[8];
  let ih = oh * P[9] + kh * P[11]; let iw = ow * P[10] + kw * P[12];
  return X[P[14] + ((img * P[1] + c) * P[2] + ih) * P[3] + iw];
}`,
      prologue: `let Cg = P[1] / P[13]; let Og = P[4] / P[13];
  let KHW = P[5] * P[6]; let OHW = P[7] * P[8];
  let M = Og; let N = P[0] * OHW; let K = Cg * KHW; let batch = wid.z;
  let wBase = P[15] + batch * Og * K;`,
      // W rows are contiguous over k: address mode, walking k.
      a: { array: 'Wt', base: 'wBase + $m * K + $k', kStride: '1u' },
      b: { value: 'im2col(k, n, g)' },
      store: `let img = n / OHW; let pix = n % OHW;
      let oc = batch * Og + m;
      O[P[17] + (img * P[4] + oc) * OHW + pix] = v${hasBias ? ' + Bias[P[16] + oc]' : ''};`,
    },
    c,
    { aFast: 'k', bFast: 'n' },
  );
}
