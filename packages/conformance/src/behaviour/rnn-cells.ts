/**
 * The recurrent gate arithmetic beyond the fixtures' sizes: a hidden size that leaves vector
 * tails, several steps, both directions. Outputs are checked against a float64 reference
 * written here from PyTorch's documented LSTM and GRU equations. Where the backend has a fast
 * path (an expression kernel, a fused lstmCell/gruCell), its outputs and gradients are checked
 * against core's composed path (the kernels hidden), which the fixtures already tie to PyTorch.
 */
import * as L from '@layers/core';
import { describe, expect } from 'vitest';
import { assertArrayClose, check, type SuiteContext, values, withoutFused } from './context.js';

const T = 5;
const B = 4;
const IN = 6;
/** 130 = 32 * 4 + 2 leaves a scalar tail after the 4-lane loop, and 4 x 130 rows are enough work to split across threads. */
const H = 130;

/**
 * Outputs lie in (-1, 1) and carry a few float32 roundings per step (measured: at most 4.3e-8
 * on cpu, wasm and SwiftShader), so 2e-7 is about 4 ulps at 0.5.
 */
const REFERENCE_ATOL = 2e-7;
/**
 * The fused kernels round the same operations in the same order as the composed path, but
 * may evaluate sigmoid and tanh differently (wasm's are float32, within 2.5 ulp) and a GPU
 * compiler may contract a*b + c into one fma. Measured: identical on cpu and SwiftShader, at
 * most 2e-7 of the largest gradient on wasm; the bound is 8 ulps of the largest gradient.
 */
const FUSED_RTOL = 1e-6;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** row-major [rows, cols] matrix times vector */
function matVec(w: number[], rows: number, cols: number, v: number[]): number[] {
  const out = new Array<number>(rows).fill(0);
  for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) out[r] += w[r * cols + k] * v[k];
  return out;
}

interface DirWeights {
  wIh: number[];
  wHh: number[];
  bIh: number[];
  bHh: number[];
}

/** One direction of a one-layer LSTM or GRU in float64; x is [T][B][IN]. Returns [T][B][H]. */
function reference(mode: 'lstm' | 'gru', x: number[][][], w: DirWeights, reverse: boolean): number[][][] {
  const G = mode === 'lstm' ? 4 : 3;
  const out: number[][][] = Array.from({ length: T }, () => []);
  for (let b = 0; b < B; b++) {
    let h = new Array<number>(H).fill(0);
    let c = new Array<number>(H).fill(0);
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s;
      const gi = matVec(w.wIh, G * H, IN, x[t][b]).map((v, k) => v + w.bIh[k]);
      const gh = matVec(w.wHh, G * H, H, h).map((v, k) => v + w.bHh[k]);
      if (mode === 'lstm') {
        const pre = gi.map((v, k) => v + gh[k]);
        c = c.map((cj, j) => sigmoid(pre[H + j]) * cj + sigmoid(pre[j]) * Math.tanh(pre[2 * H + j]));
        h = c.map((cj, j) => sigmoid(pre[3 * H + j]) * Math.tanh(cj));
      } else {
        h = h.map((hj, j) => {
          const r = sigmoid(gi[j] + gh[j]);
          const z = sigmoid(gi[H + j] + gh[H + j]);
          const n = Math.tanh(gi[2 * H + j] + r * gh[2 * H + j]);
          return (1 - z) * n + z * hj;
        });
      }
      out[t][b] = h;
    }
  }
  return out;
}

async function dirWeights(sd: Record<string, L.Tensor>, suffix: string): Promise<DirWeights> {
  return {
    wIh: await values(sd[`weight_ih_l0${suffix}`]),
    wHh: await values(sd[`weight_hh_l0${suffix}`]),
    bIh: await values(sd[`bias_ih_l0${suffix}`]),
    bHh: await values(sd[`bias_hh_l0${suffix}`]),
  };
}

type Mode = 'lstm' | 'gru';

function makeLayer(mode: Mode): L.nn.Module & { forward(x: L.Tensor): [L.Tensor, unknown] } {
  L.manualSeed(mode === 'lstm' ? 21 : 22);
  return mode === 'lstm'
    ? new L.nn.LSTM(IN, H, { bidirectional: true })
    : new L.nn.GRU(IN, H, { bidirectional: true });
}

/** Output, input gradient and weight gradients of a weighted sum of the outputs. */
async function forwardBackward(mode: Mode): Promise<Record<string, number[]>> {
  const layer = makeLayer(mode);
  L.manualSeed(5);
  const x = L.randn([T, B, IN]).requiresGrad_();
  const coef = L.randn([T, B, 2 * H]);
  const [out, state] = layer.forward(x);
  const last = (mode === 'lstm' ? (state as [L.Tensor, L.Tensor])[1] : (state as L.Tensor)).square().sum();
  out.mul(coef).sum().add(last).backward();
  const got: Record<string, number[]> = { out: await values(out), 'x.grad': await values(x.grad!) };
  for (const [name, p] of layer.namedParameters()) got[`${name}.grad`] = await values(p.grad!);
  return got;
}

export function rnnCellBehaviour(ctx: SuiteContext): void {
  describe('rnn-cells', () => {
    const c = (title: string, fn: () => Promise<void> | void) => check(ctx, 'rnn-cells', title, fn);

    for (const mode of ['lstm', 'gru'] as const) {
      c(`${mode}: bidirectional, hidden ${H}, ${T} steps match a float64 reference`, async () => {
        const layer = makeLayer(mode);
        L.manualSeed(5);
        const xt = L.randn([T, B, IN]);
        const flat = await values(xt);
        const x = Array.from({ length: T }, (_, t) =>
          Array.from({ length: B }, (_, b) => flat.slice((t * B + b) * IN, (t * B + b + 1) * IN)),
        );
        const sd = layer.stateDict();
        const fwd = reference(mode, x, await dirWeights(sd, ''), false);
        const bwd = reference(mode, x, await dirWeights(sd, '_reverse'), true);
        const want: number[] = [];
        for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) want.push(...fwd[t][b], ...bwd[t][b]);
        const [out] = layer.forward(xt);
        assertArrayClose(await values(out), want, REFERENCE_ATOL, `${mode} output`);
      });

      const kernel = mode === 'lstm' ? 'lstmCell' : 'gruCell';
      c(
        `${mode}: the fast paths (expression, ${kernel}) give the composed path's outputs and gradients`,
        async () => {
          const backend = ctx.backend();
          const composed = await hiding(backend, ['expression', kernel], () => forwardBackward(mode));
          for (const path of ['expression', kernel] as const) {
            if (backend.fused[path] === undefined) continue;
            L.pathLog.reset();
            // The cell kernel is preferred where the backend has one: the expression runs with it hidden.
            const fast = await hiding(backend, path === 'expression' ? [kernel] : ['expression'], () =>
              forwardBackward(mode),
            );
            expect(L.pathLog.fused()).toContain(path);
            for (const [name, want] of Object.entries(composed)) {
              const scale = Math.max(1, ...want.map(Math.abs));
              assertArrayClose(fast[name], want, FUSED_RTOL * scale, `${mode} ${path} ${name}`);
            }
          }
        },
      );
    }
  });
}

/** Run `fn` with the named fused kernels hidden (those the backend has). */
async function hiding<T>(
  backend: L.Backend,
  names: (keyof L.FusedKernels)[],
  fn: () => Promise<T>,
): Promise<T> {
  if (names.length === 0) return fn();
  let result: T | undefined;
  const [first, ...rest] = names;
  const ran = await withoutFused(backend, first, async () => {
    result = await hiding(backend, rest, fn);
  });
  return ran ? (result as T) : hiding(backend, rest, fn);
}
