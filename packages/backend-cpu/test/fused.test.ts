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
  /** Leading implicit zero padding (top, left). */
  padding?: [number, number];
  /** Output size; default: the windows that fit with `padding` on both sides. */
  out?: [number, number];
}

/**
 * The index map of grouped, strided, dilated, zero-padded NCHW cross-correlation, in float64:
 * calls visit(xIndex, wIndex, yIndex) for every tap that lands inside x.
 */
function eachTap(
  c: ConvCase,
  OH: number,
  OW: number,
  visit: (xi: number, wi: number, yi: number) => void,
): void {
  const Cg = c.C / c.groups;
  const Og = c.O / c.groups;
  const [ph, pw] = c.padding ?? [0, 0];
  for (let n = 0; n < c.N; n++) {
    for (let o = 0; o < c.O; o++) {
      const g = Math.floor(o / Og);
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          const yi = ((n * c.O + o) * OH + oy) * OW + ox;
          for (let ci = 0; ci < Cg; ci++) {
            for (let ky = 0; ky < c.kh; ky++) {
              for (let kx = 0; kx < c.kw; kx++) {
                const iy = oy * c.stride[0] - ph + ky * c.dilation[0];
                const ix = ox * c.stride[1] - pw + kx * c.dilation[1];
                if (iy < 0 || iy >= c.H || ix < 0 || ix >= c.W) continue;
                visit(
                  ((n * c.C + g * Cg + ci) * c.H + iy) * c.W + ix,
                  ((o * Cg + ci) * c.kh + ky) * c.kw + kx,
                  yi,
                );
              }
            }
          }
        }
      }
    }
  }
}

function outSize(c: ConvCase): [number, number] {
  const [ph, pw] = c.padding ?? [0, 0];
  return (
    c.out ?? [
      Math.floor((c.H + 2 * ph - c.dilation[0] * (c.kh - 1) - 1) / c.stride[0]) + 1,
      Math.floor((c.W + 2 * pw - c.dilation[1] * (c.kw - 1) - 1) / c.stride[1]) + 1,
    ]
  );
}

/** conv2d, conv2dInputGrad and conv2dWeightGrad against the float64 index-map sums. */
function runConv(c: ConvCase): void {
  const [OH, OW] = outSize(c);
  const Cg = c.C / c.groups;
  const xData = rand(c.N * c.C * c.H * c.W, 7);
  const wData = rand(c.O * Cg * c.kh * c.kw, 11);
  const bData = c.bias ? rand(c.O, 13) : null;
  const gData = rand(c.N * c.O * OH * OW, 17);
  const x = view('float32', xData, [c.N, c.C, c.H, c.W]);
  const w = view('float32', wData, [c.O, Cg, c.kh, c.kw]);
  const b = bData ? view('float32', bData, [c.O]) : null;
  const dy = view('float32', gData, [c.N, c.O, OH, OW]);
  const p = {
    stride: c.stride,
    padding: c.padding ?? [0, 0],
    dilation: c.dilation,
    groups: c.groups,
  } as const;
  const out = empty('float32', [c.N, c.O, OH, OW]);
  const dx = empty('float32', [c.N, c.C, c.H, c.W]);
  const dw = empty('float32', [c.O, Cg, c.kh, c.kw]);
  fused.conv2d!(x, w, b, out, p);
  fused.conv2dInputGrad!(dy, w, dx, p);
  fused.conv2dWeightGrad!(x, dy, dw, p);
  const y = Array.from({ length: c.N * c.O * OH * OW }, (_, i) =>
    bData ? bData[Math.floor(i / (OH * OW)) % c.O] : 0,
  );
  const ex = new Array<number>(xData.length).fill(0);
  const ew = new Array<number>(wData.length).fill(0);
  eachTap(c, OH, OW, (xi, wi, yi) => {
    y[yi] += xData[xi] * wData[wi];
    ex[xi] += wData[wi] * gData[yi];
    ew[wi] += xData[xi] * gData[yi];
  });
  expectClose(read(out), y, 1e-5, 1e-5);
  expectClose(read(dx), ex, 1e-5, 1e-5);
  expectClose(read(dw), ew, 1e-5, 1e-5);
}

describe('fused.conv2d and its gradients', () => {
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
  it('match the definition (GEMM path)', () => runConv(base));
  it('handle stride, dilation and non-square kernels', () => {
    runConv({ ...base, stride: [2, 3], kh: 2, kw: 3 });
    runConv({ ...base, dilation: [2, 1], bias: false });
  });
  it('handle groups and depthwise (groups === C)', () => {
    runConv({ ...base, groups: 2 });
    runConv({ ...base, groups: 6, O: 6 });
    runConv({ ...base, groups: 6, O: 12, stride: [2, 2] });
  });
  it('handle 1x1 kernels and tiny outputs', () => runConv({ ...base, kh: 1, kw: 1, H: 1, W: 1 }));
  it('read implicit zero padding, symmetric, asymmetric and larger than the kernel', () => {
    runConv({ ...base, padding: [1, 1] });
    runConv({ ...base, padding: [2, 1], stride: [2, 2], dilation: [1, 2] });
    // padding 'same' with an even kernel: one leading row, two trailing (out fixes it).
    runConv({ ...base, kh: 4, kw: 4, padding: [1, 1], out: [9, 11] });
    runConv({ ...base, padding: [4, 3], groups: 2, bias: false });
    runConv({ ...base, groups: 6, O: 6, padding: [1, 2] });
    // 8 input channels per group: the input gradient runs as one correlation GEMM (no col2im).
    runConv({ ...base, C: 8, O: 5, padding: [1, 2], dilation: [2, 1] });
    runConv({ ...base, C: 16, O: 6, groups: 2, padding: [2, 2], kh: 4, out: [10, 12] });
  });
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
    fused.layerNorm!(x, w, b, out, mean, rstd, { outer: 2, inner: 4, eps });
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
