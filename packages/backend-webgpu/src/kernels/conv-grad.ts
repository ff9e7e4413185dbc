/**
 * The two gradients of conv2d as direct implicit GEMMs with implicit zero padding (no im2col,
 * col2im or pad copy), register-blocked like the forward (kernels/gemm-direct.ts).
 *
 * Weight gradient: dw[g*Og + m][k] = sum over (image, oh, ow) of dy[.., m, ..] * x at tap k.
 * Its reduction runs over every output position, so it is split over (image, oh) rows across
 * the grid's z (with the group) and the slices are added by splitSumShader; the inner loop
 * walks ow without any division.
 *
 * Input gradient: dx[img][g*Cg + c][h][w] = sum over (m, kh, kw) of w[g*Og + m][c][kh][kw] *
 * dy[img][g*Og + m][oh][ow] where oh*sh = h + ph - kh*dh (and likewise ow), the taps that land
 * on (h, w). Unit strides are specialised (no division or remainder in the loop).
 *
 * Params (both): [N, C, H, W, O, KH, KW, OH, OW, sh, sw, dh, dw, groups, aOff, bOff, 0, outOff,
 * padTop, padLeft, S, rowChunk, sliceStride]; the weight gradient reads x at aOff and dy at
 * bOff, the input gradient dy at aOff and w at bOff.
 */
import { CONV_GEOMETRY, type DirectConfig, registerBlock } from './gemm-direct.js';

const HEAD = `@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<storage, read> A: array<f32>;
@group(0) @binding(3) var<storage, read> Bv: array<f32>;`;

export function convWeightGradShader(c: DirectConfig): string {
  const [wx, wy] = c.wg;
  const rows: string[] = [];
  for (let i = 0; i < c.tm; i++) rows.push(`let dR${i} = P[15] + (g * Og + min(m0 + ${i}u, Og - 1u)) * OHW;`);
  const cols: string[] = [];
  const perRow: string[] = [];
  const perCol: string[] = [];
  for (let j = 0; j < c.tn; j++) {
    cols.push(
      `let kk${j} = min(n0 + ${j}u, K - 1u); let t${j} = kk${j} % KK; ` +
        `let khd${j} = i32((t${j} / KW) * dh) - ph; let kwd${j} = i32((t${j} % KW) * dw) - pw; ` +
        `let xc${j} = i32(P[14] + (g * Cg + kk${j} / KK) * HW);`,
    );
    perRow.push(
      `let rh${j} = i32(oh * sh) + khd${j}; let okh${j} = rh${j} >= 0 && rh${j} < i32(H); ` +
        `let xr${j} = xc${j} + xImg + rh${j} * i32(W);`,
    );
    perCol.push(
      `let cw${j} = iw0 + kwd${j}; let ok${j} = okh${j} && cw${j} >= 0 && cw${j} < i32(W); ` +
        `let xa${j} = u32(max(xr${j} + cw${j}, 0));`,
    );
  }
  const blk = registerBlock(
    c,
    (i) => `Bv[dR${i} + dyRow + ow]`,
    (j) => `select(0.0, A[xa${j}], ok${j})`,
  );
  return `${HEAD}
@compute @workgroup_size(${wx}, ${wy})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  ${CONV_GEOMETRY}
  let K = Cg * KK; let S = P[20]; let g = wid.z / S; let s = wid.z % S;
  let m0 = (wid.y * ${wy}u + lid.y) * ${c.tm}u;
  let n0 = (wid.x * ${wx}u + lid.x) * ${c.tn}u;
  let r0 = s * P[21]; let r1 = min(P[0] * OH, r0 + P[21]);
  ${rows.join(' ')}
  ${cols.join('\n  ')}
  ${blk.decl}
  for (var r = r0; r < r1; r++) {
    let img = r / OH; let oh = r % OH;
    let dyRow = img * P[4] * OHW + oh * OW; let xImg = i32(img * C * HW);
    ${perRow.join('\n    ')}
    for (var ow = 0u; ow < OW; ow++) {
      let iw0 = i32(ow * sw);
      ${perCol.join('\n      ')}
      ${blk.body}
    }
  }
  let oBase = P[17] + s * P[22];
  ${blk.store((i, j, v) => `if (m0 + ${i}u < Og && n0 + ${j}u < K) { O[oBase + (g * Og + m0 + ${i}u) * K + n0 + ${j}u] = ${v}; }`)}
}`;
}

export function convInputGradShader(c: DirectConfig, unitStride: boolean): string {
  const [wx, wy] = c.wg;
  const rows: string[] = [];
  for (let i = 0; i < c.tm; i++)
    rows.push(`let wC${i} = P[15] + g * Og * Cg * KK + min(m0 + ${i}u, Cg - 1u) * KK;`);
  const cols: string[] = [];
  const perKh: string[] = [];
  const perKw: string[] = [];
  for (let j = 0; j < c.tn; j++) {
    cols.push(
      `let q${j} = min(n0 + ${j}u, NQ - 1u); let hw${j} = q${j} % HW; ` +
        `let th${j} = i32(hw${j} / W) + ph; let tw${j} = i32(hw${j} % W) + pw; ` +
        `let dyB${j} = i32(P[14] + ((q${j} / HW) * P[4] + g * Og) * OHW);`,
    );
    const a = `th${j} - i32(kh * dh)`;
    const b = `tw${j} - i32(kw * dw)`;
    if (unitStride) {
      perKh.push(`let oh${j} = ${a}; let okh${j} = oh${j} >= 0 && oh${j} < i32(OH);`);
      perKw.push(`let ow${j} = ${b}; let ok${j} = okh${j} && ow${j} >= 0 && ow${j} < i32(OW);`);
    } else {
      perKh.push(
        `let ta${j} = ${a}; let oh${j} = ta${j} / i32(sh); ` +
          `let okh${j} = ta${j} >= 0 && oh${j} < i32(OH) && ta${j} % i32(sh) == 0;`,
      );
      perKw.push(
        `let tb${j} = ${b}; let ow${j} = tb${j} / i32(sw); ` +
          `let ok${j} = okh${j} && tb${j} >= 0 && ow${j} < i32(OW) && tb${j} % i32(sw) == 0;`,
      );
    }
    perKw[perKw.length - 1] += ` let da${j} = u32(max(dyB${j} + dm + oh${j} * i32(OW) + ow${j}, 0));`;
  }
  const blk = registerBlock(
    c,
    (i) => `Bv[wC${i} + wm + kh * KW + kw]`,
    (j) => `select(0.0, A[da${j}], ok${j})`,
  );
  return `${HEAD}
@compute @workgroup_size(${wx}, ${wy})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  ${CONV_GEOMETRY}
  let NQ = P[0] * HW; let g = wid.z;
  let m0 = (wid.y * ${wy}u + lid.y) * ${c.tm}u;
  let n0 = (wid.x * ${wx}u + lid.x) * ${c.tn}u;
  ${rows.join(' ')}
  ${cols.join('\n  ')}
  ${blk.decl}
  for (var m = 0u; m < Og; m++) {
    let wm = m * Cg * KK; let dm = i32(m * OHW);
    for (var kh = 0u; kh < KH; kh++) {
      ${perKh.join('\n      ')}
      for (var kw = 0u; kw < KW; kw++) {
        ${perKw.join('\n        ')}
        ${blk.body}
      }
    }
  }
  ${blk.store((i, j, v) => `if (m0 + ${i}u < Cg && n0 + ${j}u < NQ) { let q = n0 + ${j}u; O[P[17] + ((q / HW) * C + g * Cg + m0 + ${i}u) * HW + q % HW] = ${v}; }`)}
}`;
}
