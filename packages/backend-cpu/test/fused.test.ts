import { describe, it } from 'vitest';
import { backend, empty, expectClose, rand, read, view } from './helpers.js';

const fused = backend.fused;

interface ConvCase {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  kh: number;
  kw: number;
  stride: [number, number];
  dilation: [number, number];
  groups: number;
  bias: boolean;
}

/** Direct definition of (unpadded) grouped, strided, dilated NCHW cross-correlation in float64. */
function naiveConv(
  x: number[],
  w: number[],
  b: number[] | null,
  c: ConvCase,
  OH: number,
  OW: number,
): number[] {
  const Cg = c.C / c.groups;
  const Og = c.O / c.groups;
  const out: number[] = [];
  for (let n = 0; n < c.N; n++) {
    for (let o = 0; o < c.O; o++) {
      const g = Math.floor(o / Og);
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          let s = b ? b[o] : 0;
          for (let ci = 0; ci < Cg; ci++) {
            for (let ky = 0; ky < c.kh; ky++) {
              for (let kx = 0; kx < c.kw; kx++) {
                const iy = oy * c.stride[0] + ky * c.dilation[0];
                const ix = ox * c.stride[1] + kx * c.dilation[1];
                const xv = x[((n * c.C + g * Cg + ci) * c.H + iy) * c.W + ix];
                s += xv * w[((o * Cg + ci) * c.kh + ky) * c.kw + kx];
              }
            }
          }
          out.push(s);
        }
      }
    }
  }
  return out;
}

function runConv(c: ConvCase): void {
  const OH = Math.floor((c.H - c.dilation[0] * (c.kh - 1) - 1) / c.stride[0]) + 1;
  const OW = Math.floor((c.W - c.dilation[1] * (c.kw - 1) - 1) / c.stride[1]) + 1;
  const Cg = c.C / c.groups;
  const xData = rand(c.N * c.C * c.H * c.W, 7);
  const wData = rand(c.O * Cg * c.kh * c.kw, 11);
  const bData = c.bias ? rand(c.O, 13) : null;
  const x = view('float32', xData, [c.N, c.C, c.H, c.W]);
  const w = view('float32', wData, [c.O, Cg, c.kh, c.kw]);
  const b = bData ? view('float32', bData, [c.O]) : null;
  const out = empty('float32', [c.N, c.O, OH, OW]);
  fused.conv2d!(x, w, b, out, { stride: c.stride, dilation: c.dilation, groups: c.groups });
  expectClose(read(out), naiveConv(xData, wData, bData, c, OH, OW), 1e-5, 1e-5);
}

describe('fused.conv2d', () => {
  const base: ConvCase = {
    N: 2,
    C: 6,
    H: 9,
    W: 11,
    O: 8,
    kh: 3,
    kw: 3,
    stride: [1, 1],
    dilation: [1, 1],
    groups: 1,
    bias: true,
  };
  it('matches a direct convolution (GEMM path)', () => runConv(base));
  it('handles stride, dilation and non-square kernels', () => {
    runConv({ ...base, stride: [2, 3], kh: 2, kw: 3 });
    runConv({ ...base, dilation: [2, 1], bias: false });
  });
  it('handles groups and depthwise (groups === C)', () => {
    runConv({ ...base, groups: 2 });
    runConv({ ...base, groups: 6, O: 6 });
    runConv({ ...base, groups: 6, O: 12, stride: [2, 2] });
  });
  it('handles 1x1 kernels and tiny outputs', () => runConv({ ...base, kh: 1, kw: 1, H: 1, W: 1 }));
});

describe('fused.softmax', () => {
  it('is stable at magnitude 1000 and matches the definition', () => {
    const xs = [1000, 999, 998, -1000, -1001, -1003];
    const x = view('float32', xs, [2, 3]);
    const out = empty('float32', [2, 3]);
    const logOut = empty('float32', [2, 3]);
    fused.softmax!(x, out, 2, 3, false);
    fused.softmax!(x, logOut, 2, 3, true);
    const expected: number[] = [];
    const expectedLog: number[] = [];
    for (let r = 0; r < 2; r++) {
      const row = xs.slice(r * 3, r * 3 + 3);
      const m = Math.max(...row);
      const z = row.reduce((s, v) => s + Math.exp(v - m), 0);
      for (const v of row) {
        expected.push(Math.exp(v - m) / z);
        expectedLog.push(v - m - Math.log(z));
      }
    }
    expectClose(read(out), expected, 1e-6);
    expectClose(read(logOut), expectedLog, 1e-6);
  });
});

describe('fused.layerNorm', () => {
  it('normalises rows and writes mean and rstd', () => {
    const xs = [1, 2, 3, 4, -2, 0, 2, 8];
    const x = view('float32', xs, [2, 4]);
    const w = view('float32', [1, 2, 0.5, -1], [4]);
    const b = view('float32', [0, 0.1, 0.2, 0.3], [4]);
    const out = empty('float32', [2, 4]);
    const mean = empty('float32', [2]);
    const rstd = empty('float32', [2]);
    const eps = 1e-5;
    fused.layerNorm!(x, w, b, out, mean, rstd, 2, 4, eps);
    const expected: number[] = [];
    const means: number[] = [];
    const rstds: number[] = [];
    for (let r = 0; r < 2; r++) {
      const row = xs.slice(r * 4, r * 4 + 4);
      const mu = row.reduce((s, v) => s + v, 0) / 4;
      const varr = row.reduce((s, v) => s + (v - mu) ** 2, 0) / 4;
      const rs = 1 / Math.sqrt(varr + eps);
      means.push(mu);
      rstds.push(rs);
      for (let i = 0; i < 4; i++)
        expected.push((row[i] - mu) * rs * [1, 2, 0.5, -1][i] + [0, 0.1, 0.2, 0.3][i]);
    }
    expectClose(read(out), expected, 1e-6);
    expectClose(read(mean), means, 1e-6);
    expectClose(read(rstd), rstds, 1e-6);
  });
});
