// Convolution as implicit GEMM: the GEMM reads the NCHW tensors through the convolution's
// index map, with the padding as bounds (taps outside the image read zero), so there is no
// im2col, col2im or pad copy.
//
// - forward and input gradient: convGemm, out[n] = A @ B_n with B_n the implicit matrix of an
//   index map (im2col(x), or for the input gradient B[(o, i, j), (h, w)] =
//   dy[o][(h + ph - i*dh) / sh][(w + pw - j*dw) / sw] where exact, a correlation: no col2im).
//   Interior 8-pixel panels are read in place by a micro-kernel that walks a tap-offset table;
//   border panels are packed with the bounds.
// - weight gradient: dw[Og, Cg*kh*kw] = dy [Og, N*OH*OW] @ im2col(x)^T, its own driver
//   (weightGrad below), because its k dimension runs over images and pixels, which no single
//   stride describes; it packs both operands itself and calls matmul.ts's micro-kernel.
//
// Scratch per thread (matmul.ts's scratchBytes: 128 KB + 128 + 64): A (64 rows x 256 k), one
// packed B panel (8 KB), an edge tile, the tap offsets (1 KB), 64 bytes of pixel tables, the
// tap table (4 KB) and the border masks (3 KB): 81 KB.
import { scratch } from './common';
import { packPanel, tapOffsets, tapTable } from './conv-panel';
import { micro, microTaps, packA } from './matmul';

/** Rows of A packed at once: WG_ROWS x WG_KC floats, then one B panel, a tile and two tables. */
const WG_ROWS: i32 = 64;
/** k block (matches matmul.ts's KC, so everything fits its per-thread scratch). */
const WG_KC: i32 = 256;
const A_BYTES: usize = <usize>(WG_ROWS * WG_KC * 4);
const B_BYTES: usize = <usize>(WG_KC * 32);

/**
 * out[n] [M, Ph*Pw] = A [M, K] @ B_n for items (n, chunk) in [lo, hi), `chunks` ranges of
 * 8-pixel panels per image, A row-major (the weights, or
 * w^T for the input gradient), B_n the implicit matrix of an index map. Rows of B are taps
 * (c, i, j) of a kh x kw window on `planes` source planes [Hs, Ws] (image n at src + n *
 * srcBatch elements); columns are the pixels of a [Ph, Pw] grid. Element (tap, pixel (r, s))
 * is src[c][y][x] with y = (ar*r + br*i + cr) / qr and x = (as*s + bs*j + cs) / qs when both
 * divisions are exact and (y, x) lies in the plane, else 0.
 *   conv2d: a = stride, b = dilation, c = -padding, q = 1 (pixels: the output, src = x).
 *   conv^T: a = 1, b = -dilation, c = padding, q = stride (pixels: the input, src = dy).
 * An 8-pixel panel whose every tap reads 8 consecutive floats inside the plane (unit steps,
 * away from the borders: most panels) is not packed at all: the micro-kernel reads its rows
 * straight from src through a table of tap offsets. Border panels are packed with the bounds.
 */
export function convGemm(
  src: usize, srcBatch: i32, planes: i32, Hs: i32, Ws: i32, kh: i32, kw: i32,
  ar: i32, br: i32, cr: i32, qr: i32, as: i32, bs: i32, cs: i32, qs: i32, Ph: i32, Pw: i32,
  a: usize, M: i32, out: usize, outBatch: i32, chunks: i32, lo: i32, hi: i32,
): void {
  const K = planes * kh * kw;
  const pix = Ph * Pw;
  const panels = (pix + 7) >> 3;
  const apack = scratch;
  const bpack = scratch + A_BYTES;
  const tile = bpack + B_BYTES;
  const taps = tile + 128;
  const nums = taps + (<usize>WG_KC << 2);
  const table = nums + 64;
  const masks = table + (<usize>WG_KC << 4);
  const ldc = <usize>pix << 2;
  const unit = as == 1 && qs == 1 && qr == 1;
  // Rows and columns a tap can add to a pixel's: [0, spanY] * sign(br), likewise for x.
  const dyLo = min(0, br * (kh - 1));
  const dyHi = max(0, br * (kh - 1));
  const dxLo = min(0, bs * (kw - 1));
  const dxHi = max(0, bs * (kw - 1));
  for (let item = lo; item < hi; item++) {
    // Item = (image, chunk of its panels): small batches still spread over the threads.
    const n = item / chunks;
    const chunk = item - n * chunks;
    const p0 = <i32>((<i64>chunk * panels) / chunks);
    const p1 = <i32>((<i64>(chunk + 1) * panels) / chunks);
    const img = src + (<usize>n * <usize>srcBatch << 2);
    const o = out + (<usize>n * <usize>outBatch << 2);
    for (let m0 = 0; m0 < M; m0 += WG_ROWS) {
      const mb = min(WG_ROWS, M - m0);
      for (let k0 = 0; k0 < K; k0 += WG_KC) {
        const kc = min(WG_KC, K - k0);
        const acc = k0 > 0;
        packA(a, K, 1, M, m0, (mb + 3) >> 2, k0, kc, apack);
        tapTable(kh, kw, k0, kc, table);
        if (unit) tapOffsets(Hs, Ws, br, bs, table, kc, taps);
        for (let p = p0; p < p1; p++) {
          const j0 = p << 3;
          const cols = min(8, pix - j0);
          const r0 = j0 / Pw;
          const s0 = j0 - r0 * Pw;
          const y = ar * r0 + cr;
          const x = s0 + cs;
          const direct = unit && cols == 8 && s0 + 8 <= Pw && y + dyLo >= 0 && y + dyHi < Hs && x + dxLo >= 0 && x + dxHi + 8 <= Ws;
          const base = img + (<usize>(y * Ws + x) << 2);
          if (!direct) packPanel(img, Hs, Ws, kw, kh * kw, ar, br, cr, qr, as, bs, cs, qs, Pw, pix, j0, table, kc, bpack, nums, masks);
          for (let i = 0; i < mb; i += 4) {
            const rows = min(4, mb - i);
            const ap = apack + <usize>(i * kc) * 4;
            const c = o + ((<usize>(m0 + i) * <usize>pix + <usize>j0) << 2);
            const full = rows == 4 && cols == 8;
            const dst = full ? c : tile;
            if (direct) microTaps(ap, base, taps, kc, dst, full ? ldc : 32, acc && full);
            else micro(ap, bpack, 32, kc, dst, full ? ldc : 32, acc && full);
            if (!full) {
              for (let r = 0; r < rows; r++) {
                for (let q = 0; q < cols; q++) {
                  const t = c + <usize>r * ldc + (<usize>q << 2);
                  const v = load<f32>(tile + (<usize>(r * 8 + q) << 2));
                  store<f32>(t, acc ? load<f32>(t) + v : v);
                }
              }
            }
          }
        }
      }
    }
  }
}

/**
 * dw[o][k] = sum over (n, pixel) of dy[n][o][pixel] * im2col(x[n])[k][pixel], per group; dw
 * [O, Kc] with Kc = Cg*kh*kw. Items are (group, 8-column panel of Kc); a thread's run of
 * panels in one group shares each packed block of dy. The k dimension (n, pixel) is walked
 * in blocks of WG_KC; packing B reads each x row segment once per tap with unit stores.
 */
export function weightGrad(
  x: usize, dy: usize, dw: usize, C: i32, H: i32, W: i32, O: i32, OH: i32, OW: i32,
  Cg: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dwid: i32, N: i32,
  lo: i32, hi: i32,
): void {
  const Kc = Cg * kh * kw;
  const panels = (Kc + 7) >> 3;
  const groups = C / Cg;
  const Og = O / groups;
  const ohw = OH * OW;
  const Kt = N * ohw;
  const apack = scratch;
  const bpack = scratch + A_BYTES;
  const tile = bpack + B_BYTES;
  const ldc = <usize>Kc << 2;
  let item = lo;
  while (item < hi) {
    const g = item / panels;
    const p0 = item - g * panels;
    const p1 = min(panels, p0 + hi - item);
    item += p1 - p0;
    for (let m0 = 0; m0 < Og; m0 += WG_ROWS) {
      const mb = min(WG_ROWS, Og - m0);
      for (let k0 = 0; k0 < Kt; k0 += WG_KC) {
        const kc = min(WG_KC, Kt - k0);
        packRows(dy + (<usize>((g * Og + m0) * ohw) << 2), O * ohw, ohw, mb, k0, kc, apack);
        for (let p = p0; p < p1; p++) {
          packTaps(x + (<usize>(g * Cg * H * W) << 2), C * H * W, H, W, kh, kw, Kc, p << 3, OW, ohw, sh, sw, ph, pw, dh, dwid, k0, kc, p == p0, bpack);
          const cols = min(8, Kc - (p << 3));
          for (let i = 0; i < mb; i += 4) {
            const rows = min(4, mb - i);
            const c = dw + ((<usize>((g * Og + m0 + i) * Kc + (p << 3))) << 2);
            const ap = apack + <usize>(i * kc) * 4;
            if (rows == 4 && cols == 8) {
              micro(ap, bpack, 32, kc, c, ldc, k0 > 0);
            } else {
              micro(ap, bpack, 32, kc, tile, 32, false);
              for (let r = 0; r < rows; r++) {
                for (let q = 0; q < cols; q++) {
                  const o = c + <usize>r * ldc + (<usize>q << 2);
                  const v = load<f32>(tile + (<usize>(r * 8 + q) << 2));
                  store<f32>(o, k0 > 0 ? load<f32>(o) + v : v);
                }
              }
            }
          }
        }
      }
    }
  }
}

/**
 * A operand of weightGrad: rows [0, mb) of dy (row stride ohw, image stride imgStride) at
 * k = (n, pixel) in [k0, k0 + kc), as 4-row micro-panels [kc][4]; rows past mb are zero.
 */
function packRows(a: usize, imgStride: i32, ohw: i32, mb: i32, k0: i32, kc: i32, dst: usize): void {
  for (let s = 0; s < mb; s += 4) {
    const d = dst + <usize>(s * kc) * 4;
    for (let r = 0; r < 4; r++) {
      const q = d + (<usize>r << 2);
      if (s + r >= mb) {
        for (let kk = 0; kk < kc; kk++) store<f32>(q + (<usize>kk << 4), 0);
        continue;
      }
      const row = a + (<usize>((s + r) * ohw) << 2);
      let n = k0 / ohw;
      let j = k0 - n * ohw;
      let kk = 0;
      while (kk < kc) {
        const len = min(kc - kk, ohw - j);
        const from = row + (<usize>(n * imgStride + j) << 2);
        for (let t = 0; t < len; t++) store<f32>(q + (<usize>(kk + t) << 4), load<f32>(from + (<usize>t << 2)));
        kk += len;
        j = 0;
        n++;
      }
    }
  }
}

/**
 * B operand of weightGrad: columns [col0, col0 + 8) of im2col(x)^T, i.e. taps (c, i, j), at
 * k = (n, oh, ow) in [k0, k0 + kc), as one panel [kc][8]; lanes past Kc see packTaps's note.
 */
function packTaps(
  x: usize, imgStride: i32, H: i32, W: i32, kh: i32, kw: i32, Kc: i32, col0: i32, OW: i32, ohw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dwid: i32, k0: i32, kc: i32, fresh: bool, dst: usize,
): void {
  const khw = kh * kw;
  const OHn = ohw / OW;
  for (let q = 0; q < 8; q++) {
    const col = col0 + q;
    const d = dst + (<usize>q << 2);
    // Lanes past Kc: weightGrad stores only the edge tile's first `cols` columns and SIMD
    // lanes do not mix, so they may hold the previous panel's floats (conv 1->8 3x3 has Kc =
    // 9: 7 of 16 lanes); zeros only where they would hold older scratch, whose stray
    // subnormals could slow the multiplies.
    if (col >= Kc) {
      if (fresh) for (let kk = 0; kk < kc; kk++) store<f32>(d + (<usize>kk << 5), 0);
      continue;
    }
    const c = col / khw;
    const t = col - c * khw;
    const i = t / kw;
    const j = t - i * kw;
    const plane = x + (<usize>(c * H * W) << 2);
    const yOff = i * dh - ph;
    const xOff = j * dwid - pw;
    // Output columns ow whose tap lands inside [0, W): ow in [owLo, owHi).
    const owLo = xOff >= 0 ? 0 : (-xOff + sw - 1) / sw;
    const owHi = min(OW, W - xOff > 0 ? (W - xOff - 1) / sw + 1 : 0);
    let n = k0 / ohw;
    let pixel = k0 - n * ohw;
    let oh = pixel / OW;
    let ow = pixel - oh * OW;
    let kk = 0;
    while (kk < kc) {
      // One output row segment [ow, end) of image n.
      const end = min(OW, ow + kc - kk);
      const y = oh * sh + yOff;
      const out = d + (<usize>kk << 5);
      if (y < 0 || y >= H) {
        for (let u = ow; u < end; u++) store<f32>(out + (<usize>(u - ow) << 5), 0);
      } else {
        // Zeros left of owLo and right of owHi, a plain copy between: no test per element.
        const row = plane + (<usize>(n * imgStride + y * W) << 2);
        const a = min(end, max(ow, owLo));
        const b = max(a, min(end, owHi));
        for (let u = ow; u < a; u++) store<f32>(out + (<usize>(u - ow) << 5), 0);
        for (let u = a; u < b; u++) store<f32>(out + (<usize>(u - ow) << 5), load<f32>(row + (<usize>(u * sw + xOff) << 2)));
        for (let u = b; u < end; u++) store<f32>(out + (<usize>(u - ow) << 5), 0);
      }
      kk += end - ow;
      ow = end;
      if (ow == OW) {
        ow = 0;
        oh++;
        if (oh == OHn) {
          oh = 0;
          n++;
        }
      }
    }
  }
}

/** Depthwise conv (groups == C, O = C * mult) over output planes (n, o) in [lo, hi); taps outside x read zero. */
export function depthwise(
  x: usize, w: usize, out: usize, C: i32, H: i32, W: i32, O: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, OH: i32, OW: i32, lo: i32, hi: i32,
): void {
  const mult = O / C;
  for (let plane = lo; plane < hi; plane++) {
    const n = plane / O;
    const oc = plane - n * O;
    const c = oc / mult;
    const xp = x + (<usize>((n * C + c) * H * W) << 2);
    const op = out + (<usize>plane * <usize>(OH * OW) << 2);
    memory.fill(op, 0, <usize>(OH * OW) << 2);
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        const wv = load<f32>(w + (<usize>((oc * kh + ki) * kw + kj) << 2));
        const wvec = f32x4.splat(wv);
        const xOff = kj * dw - pw;
        // Output columns whose tap lands inside [0, W).
        const owLo = xOff >= 0 ? 0 : (-xOff + sw - 1) / sw;
        const owHi = min(OW, W - xOff > 0 ? (W - xOff - 1) / sw + 1 : 0);
        for (let oh = 0; oh < OH; oh++) {
          const y = oh * sh - ph + ki * dh;
          if (y < 0 || y >= H) continue;
          const s = xp + (<usize>(y * W + xOff) << 2);
          const d = op + (<usize>(oh * OW) << 2);
          let ow = owLo;
          if (sw == 1) {
            for (; ow + 4 <= owHi; ow += 4) {
              const q = d + (<usize>ow << 2);
              v128.store(q, f32x4.add(v128.load(q), f32x4.mul(wvec, v128.load(s + (<usize>ow << 2)))));
            }
          }
          for (; ow < owHi; ow++) {
            const q = d + (<usize>ow << 2);
            store<f32>(q, load<f32>(q) + wv * load<f32>(s + (<usize>(ow * sw) << 2)));
          }
        }
      }
    }
  }
}
