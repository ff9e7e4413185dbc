/**
 * float16 and bfloat16 against PyTorch 1.13 (fixtures/half/, written by
 * tooling/fixtures/ops_half.py): conversions bit for bit (rounding to nearest even, subnormals,
 * overflow, NaN), numbers through tensor(), exact decoding, ops in each dtype within a few
 * ulps of PyTorch's CPU result (or of the float32 result rounded, where 1.13 has no CPU
 * kernel), type promotion pair by pair, and a float16 safetensors model reproducing PyTorch's
 * float32 logits within float16 tolerance. (Every float op's float16/bfloat16 row against
 * float64 is the half-ops fixture family, half-tolerances.ts; the op cases here compare with
 * PyTorch's own 16-bit CPU result instead.)
 */
import { readFileSync } from 'node:fs';
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { ulpOf } from '../half-tolerances.js';
import { check, expectThrows, type SuiteContext } from './context.js';

const DIR = new URL('../../fixtures/half/', import.meta.url);

type Half = 'float16' | 'bfloat16';
type Num = number | 'nan' | 'inf' | '-inf';
interface Enc {
  shape: number[];
  data: Num[];
}
interface OpCase {
  name: string;
  op: string;
  dtype: Half;
  ref: 'cpu' | 'float32';
  inputs: Enc[];
  out: Enc;
  rounded: Enc;
  f64: Enc;
}
type Spec = { dtype: L.DType; dim: number } | { scalar: number | boolean };
interface Index {
  encode: { f32: number[]; float16: number[]; bfloat16: number[] };
  numbers: { values: number[]; float16: number[]; bfloat16: number[] };
  decode: { float16: number[]; f32: number[] };
  ops: OpCase[];
  promotion: { a: Spec; b: Spec; dtype: string }[];
  model: { file: string; input: Enc; logits32: Enc; f64HalfWeights: Enc };
}

let cached: Index | null = null;
function index(): Index {
  cached ??= JSON.parse(readFileSync(new URL('index.json', DIR), 'utf8')) as Index;
  return cached;
}

const decodeNum = (v: Num): number =>
  v === 'nan' ? Number.NaN : v === 'inf' ? Number.POSITIVE_INFINITY : v === '-inf' ? -Infinity : v;

/** The spacing of `dtype` values at magnitude `x` (one definition: half-tolerances.ts). */
const ulpAt = ulpOf;

/**
 * Ulps of `dtype` by which each op may differ from PyTorch's result in that dtype, and the
 * magnitude floor (a fraction of the output's largest value) below which an element is
 * measured in the ulps of that floor (cancellation near zero: logSoftmax, layerNorm).
 * Elementwise ops round one float32 result, as PyTorch's CPU kernels: exact. Reductions and
 * products sum in a different float32 order: 1 ulp. Softmax and norms composed of rounded
 * primitives (a backend without the fused kernel) round each step: a few ulps.
 */
const ULPS: Record<string, { ulps: number; floor?: number }> = {
  add: { ulps: 0 },
  sub: { ulps: 0 },
  mul: { ulps: 0 },
  div: { ulps: 0 },
  neg: { ulps: 0 },
  relu: { ulps: 0 },
  amax: { ulps: 0 },
  maxPool2d: { ulps: 0 },
  exp: { ulps: 1 },
  log: { ulps: 1 },
  tanh: { ulps: 1 },
  sigmoid: { ulps: 1 },
  sqrt: { ulps: 1 },
  sum: { ulps: 1, floor: 1 / 64 },
  sumAll: { ulps: 1, floor: 1 / 64 },
  mean: { ulps: 1, floor: 1 / 64 },
  matmul: { ulps: 1, floor: 1 / 64 },
  bmm: { ulps: 1, floor: 1 / 64 },
  // The bias is added to the rounded product: two roundings (PyTorch's addmm rounds once).
  linear: { ulps: 2, floor: 1 / 64 },
  conv2d: { ulps: 1, floor: 1 / 64 },
  abs: { ulps: 0 },
  floor: { ulps: 0 },
  maximum: { ulps: 0 },
  min: { ulps: 0 },
  sin: { ulps: 1 },
  erf: { ulps: 1 },
  rsqrt: { ulps: 1 },
  powScalar: { ulps: 1 },
  prod: { ulps: 1, floor: 1 / 64 },
  avgPool2d: { ulps: 1 },
  cumsum: { ulps: 1, floor: 1 / 64 },
  // Composed of primitives that each round (PyTorch's kernels round once): gelu 1.75 ulps,
  // batchNorm 4.3 ulps (float16) measured on cpu; the rest 1.
  gelu: { ulps: 2, floor: 1 / 16 },
  silu: { ulps: 2, floor: 1 / 16 },
  softplus: { ulps: 2, floor: 1 / 16 },
  batchNorm: { ulps: 5, floor: 1 / 16 },
  crossEntropy: { ulps: 2 },
  mseLoss: { ulps: 2 },
  softmax: { ulps: 4, floor: 1 / 16 },
  logSoftmax: { ulps: 4, floor: 1 / 16 },
  layerNorm: { ulps: 4, floor: 1 / 16 },
};

/**
 * Ops whose PyTorch 1.13 CPU kernel accumulates in bfloat16 itself (up to 8 ulps from the
 * float64 value on these inputs): layers accumulates in float32, as PyTorch's CUDA kernels
 * do, so these are compared with the float32 result rounded once.
 */
const BF16_CPU_ACCUMULATES_LOW = new Set(['matmul', 'bmm', 'linear', 'layerNorm']);

const RUN: Record<string, (xs: L.Tensor[]) => L.Tensor> = {
  add: ([a, b]) => a.add(b),
  sub: ([a, b]) => a.sub(b),
  mul: ([a, b]) => a.mul(b),
  div: ([a, b]) => a.div(b),
  neg: ([a]) => a.neg(),
  exp: ([a]) => a.exp(),
  log: ([a]) => a.log(),
  tanh: ([a]) => a.tanh(),
  sigmoid: ([a]) => a.sigmoid(),
  sqrt: ([a]) => a.sqrt(),
  relu: ([a]) => L.F.relu(a),
  sum: ([a]) => a.sum(1),
  sumAll: ([a]) => a.sum(),
  mean: ([a]) => a.mean(0),
  amax: ([a]) => a.max(-1),
  matmul: ([a, b]) => a.matmul(b),
  bmm: ([a, b]) => a.matmul(b),
  softmax: ([a]) => L.F.softmax(a, -1),
  logSoftmax: ([a]) => L.F.logSoftmax(a, 1),
  layerNorm: ([a, w, b]) => L.F.layerNorm(a, [6], { weight: w, bias: b }),
  linear: ([a, w, b]) => L.F.linear(a, w, b),
  conv2d: ([a, w, b]) => L.F.conv2d(a, w, b, { padding: 1 }),
  maxPool2d: ([a]) => L.F.maxPool2d(a, 2),
  abs: ([a]) => a.abs(),
  sin: ([a]) => a.sin(),
  erf: ([a]) => a.erf(),
  floor: ([a]) => a.floor(),
  rsqrt: ([a]) => a.rsqrt(),
  powScalar: ([a]) => a.pow(2),
  maximum: ([a, b]) => L.maximum(a, b),
  prod: ([a]) => a.prod(1),
  min: ([a]) => a.min(0),
  cumsum: ([a]) => L.cumsum(a, 1),
  gelu: ([a]) => L.F.gelu(a),
  silu: ([a]) => L.F.silu(a),
  softplus: ([a]) => L.F.softplus(a),
  avgPool2d: ([a]) => L.F.avgPool2d(a, 2),
  batchNorm: ([a, m, v, w, b]) => L.F.batchNorm(a, m, v, { weight: w, bias: b, training: false }),
  crossEntropy: ([a]) => L.F.crossEntropy(a, L.tensor([0, 2, 1, 4], { dtype: 'int32' })),
  mseLoss: ([a, b]) => L.F.mseLoss(a, b),
};

function bitsOf(dtype: Half, xs: readonly number[]): number[] {
  return xs.map((v) => (dtype === 'float16' ? L.toFloat16Bits(v) : L.toBFloat16Bits(v)));
}

const isNanBits = (dtype: Half, h: number) =>
  dtype === 'float16'
    ? (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0
    : (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;

function makeSpec(s: Spec): L.Tensor | number | boolean {
  if ('scalar' in s) return s.scalar;
  return L.ones(new Array(s.dim).fill(2), { dtype: s.dtype });
}

export function halfBehaviour(ctx: SuiteContext): void {
  describe('half', () => {
    const c = (title: string, fn: () => Promise<void> | void, timeoutMs?: number) =>
      check(ctx, 'half', title, fn, timeoutMs);

    c('float32 -> float16/bfloat16 rounds as PyTorch, bit for bit (NaN: any NaN)', async () => {
      const { encode } = index();
      const f32 = new Float32Array(new Uint32Array(encode.f32).buffer);
      const src = L.tensor(f32);
      for (const dtype of ['float16', 'bfloat16'] as const) {
        const got = Array.from(await src.to(dtype).data());
        const want = encode[dtype];
        const bad: string[] = [];
        got.forEach((h, i) => {
          const ok = isNanBits(dtype, want[i]) ? isNanBits(dtype, h) : h === want[i];
          if (!ok)
            bad.push(
              `0x${encode.f32[i].toString(16)} -> 0x${h.toString(16)}, torch 0x${want[i].toString(16)}`,
            );
        });
        expect(bad.slice(0, 5), `${dtype}: ${bad.length} of ${got.length} differ`).toEqual([]);
        // Core's host converters (used by tensor() and the backends) agree too.
        const host = bitsOf(dtype, Array.from(f32));
        expect(
          host.filter((h, i) => !(isNanBits(dtype, want[i]) ? isNanBits(dtype, h) : h === want[i])),
        ).toEqual([]);
      }
      // The canonical NaNs layers writes: float16 keeps the sign, bfloat16 does not (c10).
      const nan = Array.from(await L.tensor([Number.NaN, -Number.NaN]).half().data());
      expect(isNanBits('float16', nan[0] ?? 0) && isNanBits('float16', nan[1] ?? 0)).toBe(true);
    });

    c('tensor(numbers, { dtype }) rounds through float32 as torch.tensor does', async () => {
      const { numbers } = index();
      for (const dtype of ['float16', 'bfloat16'] as const) {
        const t = L.tensor(numbers.values, { dtype });
        expect(t.dtype).toBe(dtype);
        expect(Array.from(await t.data())).toEqual(numbers[dtype]);
      }
    });

    c('float16/bfloat16 -> float32 is exact; toArray and item give the numbers', async () => {
      const { decode } = index();
      const bits = Uint16Array.from(decode.float16);
      const h = L.tensor(bits, { dtype: 'float16' });
      const f = new Uint32Array((await h.float().data()).buffer);
      const bad = decode.f32.filter((w, i) => {
        const isNan = (w & 0x7f800000) === 0x7f800000 && (w & 0x7fffff) !== 0;
        return isNan ? !((f[i] & 0x7f800000) === 0x7f800000 && (f[i] & 0x7fffff) !== 0) : f[i] !== w;
      });
      expect(bad.length).toBe(0);
      const b = L.tensor([1.5, -2, 3.25e-39], { dtype: 'bfloat16' });
      expect(await b.toArray()).toEqual([1.5, -2, L.fromBFloat16Bits(L.toBFloat16Bits(3.25e-39))]);
      expect(await L.tensor(0.1, { dtype: 'float16' }).item()).toBe(L.fromFloat16Bits(0x2e66));
      const d = await h.data();
      expect(d).toBeInstanceOf(Uint16Array);
      // A strided view and a slice read back in logical order, a copy of each 16-bit half-word.
      const m = L.tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { dtype: 'float16' },
      );
      expect(await m.transpose(0, 1).toArray()).toEqual([
        [1, 4],
        [2, 5],
        [3, 6],
      ]);
      expect(await m.narrow(1, 1, 1).contiguous().toArray()).toEqual([[2], [5]]);
    });

    c(
      'writes into a strided 16-bit view touch only their elements (odd offsets, halves of a word)',
      async () => {
        for (const dtype of ['float16', 'bfloat16'] as const) {
          // cat writes each piece into a strided window of the output: widths 1, 3, 1 start at
          // odd and even elements of a row, so two pieces share words of the packed layout.
          const t = L.cat(
            [L.zeros([3, 1], { dtype }), L.full([3, 3], 7, { dtype }), L.full([3, 1], -0.5, { dtype })],
            1,
          );
          expect(await t.toArray()).toEqual([
            [0, 7, 7, 7, -0.5],
            [0, 7, 7, 7, -0.5],
            [0, 7, 7, 7, -0.5],
          ]);
          const mixed = L.cat([L.ones([1], { dtype }), L.tensor([2.5]), L.ones([1], { dtype })]);
          expect(mixed.dtype).toBe('float32');
          expect(await L.full([5], 65520, { dtype: 'float16' }).toArray()).toEqual(
            new Array(5).fill(Infinity),
          );
        }
      },
    );

    for (const oc of index().ops) {
      const rounded =
        oc.ref === 'float32' || (oc.dtype === 'bfloat16' && BF16_CPU_ACCUMULATES_LOW.has(oc.op));
      const what = rounded ? 'float32 result rounded' : 'CPU result';
      // One matrix row per op and dtype: behaviour/half/float16/add, ...
      check(
        ctx,
        `half/${oc.dtype}/${oc.op}`,
        `${oc.name} within ${ULPS[oc.op]?.ulps ?? 0} ulps of PyTorch's ${what}`,
        async () => {
          const xs = oc.inputs.map((e) =>
            L.tensor(e.data.map(decodeNum), { shape: e.shape, dtype: oc.dtype }),
          );
          const out = RUN[oc.op](xs);
          expect(out.dtype).toBe(oc.dtype);
          expect(out.shape).toEqual(oc.out.shape);
          const got = Array.from(L.decodeHalf(oc.dtype, await out.data()));
          const want = (rounded ? oc.rounded : oc.out).data.map(decodeNum);
          const tol = ULPS[oc.op] ?? { ulps: 0 };
          const big = Math.max(...want.map(Math.abs));
          let worst = 0;
          let at = -1;
          got.forEach((g, i) => {
            const w = want[i] ?? Number.NaN;
            if (Number.isNaN(w) && Number.isNaN(g)) return;
            const u = Math.abs(g - w) / ulpAt(oc.dtype, Math.max(Math.abs(w), big * (tol.floor ?? 0)));
            if (!(u <= worst)) {
              worst = Number.isNaN(u) ? Number.POSITIVE_INFINITY : u;
              at = i;
            }
          });
          if (process.env.LAYERS_HALF_ULPS) console.log(`ULPS ${oc.name} ${worst}`);
          expect(
            worst,
            `worst ${worst} ulps at ${at}: got ${got[at]}, torch ${want[at]}`,
          ).toBeLessThanOrEqual(tol.ulps);
        },
      );
    }

    c('type promotion matches torch.result_type (Python scalars weak, 0-d tensors by category)', () => {
      const bad: string[] = [];
      for (const p of index().promotion) {
        // bool with bool (PyTorch adds as logical or) is not a float question, and not every
        // backend has a bool add kernel.
        const isBool = (q: Spec) => ('scalar' in q ? typeof q.scalar === 'boolean' : q.dtype === 'bool');
        if (isBool(p.a) && isBool(p.b)) continue;
        const a = makeSpec(p.a);
        const b = makeSpec(p.b);
        const r = a instanceof L.Tensor ? a.add(b as L.Tensor) : (b as L.Tensor).add(a as number);
        const want = p.dtype === 'int64' ? 'int32' : p.dtype === 'float64' ? 'float32' : p.dtype;
        if (r.dtype !== want)
          bad.push(`${JSON.stringify(p.a)} + ${JSON.stringify(p.b)}: ${r.dtype}, torch ${want}`);
      }
      expect(bad).toEqual([]);
    });

    c('clear errors: mixed float dtypes in matmul and conv, integer dtypes to module.to', () => {
      const a = L.ones([2, 2], { dtype: 'float16' });
      expectThrows(() => a.matmul(L.ones([2, 2])), 'matmul', 'float16', 'float32');
      const conv = new L.nn.Conv2d(1, 1, 1);
      expectThrows(() => conv.forward(L.ones([1, 1, 2, 2], { dtype: 'bfloat16' })), 'bfloat16', 'float32');
      expectThrows(() => new L.nn.Linear(2, 2).to({ dtype: 'int32' }), 'floating-point dtype', 'int32');
      expectThrows(() => L.ones([2], { dtype: 'float8' as L.DType }), "unsupported dtype 'float8'");
    });

    c(
      'module.half(), float(), bfloat16() and to({ dtype }) convert float parameters and buffers in place',
      async () => {
        const bn = new L.nn.BatchNorm1d(3);
        const w = bn.weight;
        bn.half();
        expect(bn.weight).toBe(w);
        if (!bn.weight) throw new Error('BatchNorm1d: no weight');
        expect(bn.weight.dtype).toBe('float16');
        const sd = bn.stateDict();
        expect(sd.running_mean?.dtype).toBe('float16');
        expect(sd.num_batches_tracked?.dtype).toBe('int32');
        bn.to({ dtype: 'bfloat16' });
        expect(bn.weight.dtype).toBe('bfloat16');
        bn.float();
        expect(bn.weight.dtype).toBe('float32');
        const lin = new L.nn.Linear(3, 2).bfloat16();
        const y = lin.forward(L.ones([4, 3], { dtype: 'bfloat16' }));
        expect(y.dtype).toBe('bfloat16');
        const t = L.tensor([1, 2]).to({ dtype: 'float16' });
        expect(t.dtype).toBe('float16');
        expect(t.half()).toBe(t);
        expect(t.bfloat16().dtype).toBe('bfloat16');
      },
    );

    c(
      'a float16 safetensors model saved by PyTorch reproduces its float32 logits within float16 tolerance',
      async () => {
        const { model } = index();
        const bytes = new Uint8Array(readFileSync(new URL(model.file, DIR)));
        const dict = L.nn.loadSafetensors(bytes);
        expect(dict['conv1.weight']?.dtype).toBe('float16');
        const build = () =>
          new L.nn.Sequential(
            new L.nn.Conv2d(1, 4, 3, { padding: 1 }),
            new L.nn.ReLU(),
            new L.nn.MaxPool2d(2),
            new L.nn.Conv2d(4, 8, 3),
            new L.nn.ReLU(),
            new L.nn.MaxPool2d(2),
            new L.nn.Flatten(),
            new L.nn.Linear(32, 5),
          );
        const rename = (d: Record<string, L.Tensor>) =>
          Object.fromEntries(
            Object.entries(d).map(([k, v]) => [
              k.replace('conv1.', '0.').replace('conv2.', '3.').replace('fc.', '7.'),
              v,
            ]),
          );
        const x = L.tensor(model.input.data.map(decodeNum), { shape: model.input.shape });
        // In float16: the module takes the stored dtype, computes in float16.
        const half = build().half();
        half.loadStateDict(rename(dict));
        half.eval();
        const yh = L.decodeHalf('float16', await half.forward(x.half()).data());
        const ref32 = model.logits32.data.map(decodeNum);
        const big = Math.max(...ref32.map(Math.abs));
        // Weights and activations each carry float16's 2^-11 relative rounding; a few ulps of the largest logit.
        const tol = 8 * ulpAt('float16', big);
        ref32.forEach((r, i) => {
          expect(Math.abs((yh[i] ?? Number.NaN) - r), `logit ${i}`).toBeLessThanOrEqual(tol);
        });
        // Loaded into a float32 model, the float16 weights are exact: float32 tolerance against float64.
        const f32 = build();
        f32.loadStateDict(rename(dict));
        f32.eval();
        const y32 = await f32.forward(x.half().float()).data();
        model.f64HalfWeights.data.map(decodeNum).forEach((r, i) => {
          expect(Math.abs((y32[i] ?? Number.NaN) - r)).toBeLessThanOrEqual(1e-5 * Math.max(1, big));
        });
        // And saves back as F16, byte-identical tensors.
        const again = L.nn.loadSafetensors(await L.nn.saveSafetensors(dict));
        expect(Array.from(await again['fc.weight']!.data())).toEqual(
          Array.from(await dict['fc.weight']!.data()),
        );
        expect(again['fc.weight']!.dtype).toBe('float16');
      },
    );
  });
}
