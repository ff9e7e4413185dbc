import { ENTRY_BUILTINS, FLAT_WG, NAN_HELPERS, WG } from './common.js';

/**
 * The window geometry baked into a pool2d shader: with the kernel, stride, padding and
 * dilation as constants the window loops unroll and the index divisions become multiplies.
 * `inside` says every window lies in the input (no padding, no ceil-mode overhang), so the
 * bounds tests go too. A CNN has one or two such geometries, so this adds few pipelines.
 */
export interface PoolGeometry {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly inside: boolean;
  /**
   * The windows tile the input exactly (stride = kernel, dilation 1, no padding, H = OH * kh,
   * W = OW * kw): each input element is in exactly one window.
   */
  readonly exact: boolean;
}

export function poolGeometryKey(g: PoolGeometry): string {
  return [...g.kernel, ...g.stride, ...g.padding, ...g.dilation, g.exact ? 'e' : g.inside ? 'i' : 'b'].join(
    ',',
  );
}

/**
 * 2-D max / average pooling over NCHW, one invocation per output element over the flattened
 * N*C*OH*OW (no workgroup memory: SwiftShader runs each workgroup's invocations as SIMD lanes).
 * Params: [total, H, W, OH, OW, xOff, outOff, idxOff or divOff]. Max: the first maximum wins
 * and a NaN (tested by bits: drivers may fold NaN compares) wins over everything.
 */
export function pool2dShader(mode: 'max' | 'avg', indices: boolean, g: PoolGeometry): string {
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  const extra =
    mode === 'avg'
      ? '@group(0) @binding(3) var<storage, read> D: array<f32>;'
      : indices
        ? '@group(0) @binding(3) var<storage, read_write> I: array<i32>;'
        : '';
  const taps: string[] = [];
  for (let i = 0; i < kh; i++) {
    taps.push(`  { let h = h0 + ${i * dh};`);
    if (!g.inside) taps.push('    if (h >= 0 && h < H) {');
    for (let j = 0; j < kw; j++) {
      const w = `w0 + ${j * dw}`;
      const guard = g.inside ? '' : `if (${w} >= 0 && ${w} < W) `;
      const update =
        mode === 'avg'
          ? `sum = sum + X[xb + u32(h * W + ${w})];`
          : `let v = X[xb + u32(h * W + ${w})]; if (arg < 0 || (isNan(v) && !isNan(best)) || (!isNan(best) && v > best)) { best = v; arg = h * W + ${w}; }`;
      taps.push(`    ${guard}{ ${update} }`);
    }
    if (!g.inside) taps.push('    }');
    taps.push('  }');
  }
  const store =
    mode === 'avg'
      ? 'O[P[6] + e] = sum / D[P[7] + u32(oh) * P[4] + u32(ow)];'
      : `O[P[6] + e] = best;${indices ? '\n  I[P[7] + e] = arg;' : ''}`;
  return `${NAN_HELPERS}
@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<storage, read> X: array<f32>;
${extra}
@compute @workgroup_size(${WG})
fn main(${ENTRY_BUILTINS}) {
  ${FLAT_WG}
  let e = wgid * ${WG}u + li;
  if (e >= P[0]) { return; }
  let H = i32(P[1]); let W = i32(P[2]); let OH = P[3]; let OW = P[4];
  let rest = e / OW;
  let ow = i32(e - rest * OW);
  let plane = rest / OH;
  let oh = i32(rest - plane * OH);
  let xb = P[5] + plane * u32(H * W);
  let h0 = oh * ${sh} - ${ph};
  let w0 = ow * ${sw} - ${pw};
  var best = -infF();
  var arg = -1;
  var sum = 0.0;
${taps.join('\n')}
  ${store}
}`;
}

/** Bindings and entry of both backward shaders, up to the bounds test of invocation `e`. */
function backwardHeader(mode: 'max' | 'avg'): string {
  const third = mode === 'max' ? 'I: array<i32>' : 'D: array<f32>';
  return `
@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> DX: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read> ${third};
@compute @workgroup_size(${WG})
fn main(${ENTRY_BUILTINS}) {
  ${FLAT_WG}
  let e = wgid * ${WG}u + li;
  if (e >= P[0]) { return; }`;
}

/**
 * The input gradient of pool2d as a gather, one invocation per input element: each input
 * position visits the (at most kh * kw) windows that can contain it and sums their gradient,
 * where max pooling recorded it as the argmax or, for average pooling, divided by the window's
 * divisor. No scatter, no atomics, no zero fill: every element of dx is written once.
 * Params: [total, H, W, OH, OW, gOff, idxOff or divOff, dxOff].
 */
export function pool2dBackwardShader(mode: 'max' | 'avg', g: PoolGeometry): string {
  if (g.exact) return tiledBackwardShader(mode, g);
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  const body: string[] = [];
  const tiles = g.inside && sh === kh && sw === kw && dh === 1 && dw === 1;
  if (tiles) {
    // Non-overlapping windows that leave a remainder (MaxPool2d(2) of 7 columns): one
    // candidate window, found by a division, instead of kh * kw modulo tests.
    const add =
      mode === 'max'
        ? 'if (I[P[6] + o] == hw) { acc = G[P[5] + o]; }'
        : 'acc = G[P[5] + o] / D[P[6] + u32(oh * OW + ow)];';
    body.push(`  let oh = h / ${sh}; let ow = w / ${sw};`);
    body.push(`  if (oh < OH && ow < OW) { let o = ob + u32(oh * OW + ow); ${add} }`);
  }
  for (let i = 0; i < (tiles ? 0 : kh); i++) {
    // Window row oh covers h through tap i when oh * sh - ph + i * dh == h.
    body.push(`  { let th = h + ${ph - i * dh};`);
    body.push(`    if (th >= 0 && th % ${sh} == 0 && th / ${sh} < OH) { let oh = th / ${sh};`);
    for (let j = 0; j < kw; j++) {
      const add =
        mode === 'max'
          ? 'if (I[P[6] + o] == hw) { acc = acc + G[P[5] + o]; }'
          : 'acc = acc + G[P[5] + o] / D[P[6] + u32(oh * OW + ow)];';
      body.push(`      { let tw = w + ${pw - j * dw};`);
      body.push(
        `        if (tw >= 0 && tw % ${sw} == 0 && tw / ${sw} < OW) { let ow = tw / ${sw}; let o = ob + u32(oh * OW + ow); ${add} } }`,
      );
    }
    body.push('    }');
    body.push('  }');
  }
  return `${backwardHeader(mode)}
  let H = P[1]; let W = P[2]; let OH = i32(P[3]); let OW = i32(P[4]);
  let rest = e / W;
  let w = i32(e - rest * W);
  let plane = rest / H;
  let h = i32(rest - plane * H);
  let hw = h * i32(W) + w;
  let ob = plane * u32(OH * OW);
  var acc = 0.0;
${body.join('\n')}
  DX[P[7] + e] = acc;
}`;
}

/**
 * The backward of exactly tiling windows, one invocation per window writing its kh * kw
 * inputs: the window's gradient (and argmax) is read once instead of once per input.
 * Measured on the CNN's MaxPool2d(2) of [64, 8, 28, 28], forward + backward against the
 * composed fill + scatterAdd (SwiftShader, same-process A/B, medians): the per-input gather
 * 1.3-1.5x, this kernel 4.9x. Params as pool2dBackwardShader's, with total = N * C * OH * OW.
 */
function tiledBackwardShader(mode: 'max' | 'avg', g: PoolGeometry): string {
  const [kh, kw] = g.kernel;
  const writes: string[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const at = `base + ${i}u * W + ${j}u`;
      const value = mode === 'max' ? `select(0.0, v, arg == i32(rel + ${i}u * W + ${j}u))` : 'v';
      writes.push(`  DX[P[7] + ${at}] = ${value};`);
    }
  }
  const load =
    mode === 'max'
      ? 'let v = G[P[5] + e]; let arg = I[P[6] + e];'
      : 'let v = G[P[5] + e] / D[P[6] + oh * OW + ow];';
  return `${backwardHeader(mode)}
  let H = P[1]; let W = P[2]; let OH = P[3]; let OW = P[4];
  let rest = e / OW;
  let ow = e - rest * OW;
  let plane = rest / OH;
  let oh = rest - plane * OH;
  // Offset of the window's first element within its plane (what the forward's argmax holds).
  let rel = oh * ${kh}u * W + ow * ${kw}u;
  let base = plane * H * W + rel;
  ${load}
${writes.join('\n')}
}`;
}
