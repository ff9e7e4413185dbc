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
import { scratch, storeTransposed4 } from './common';
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
  const colTable = tile + 128;
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
          packTaps(x + (<usize>(g * Cg * H * W) << 2), C * H * W, H, W, kw, kh * kw, Kc, p << 3, OW, ohw, sh, sw, ph, pw, dh, dwid, k0, kc, p == p0, bpack, colTable);
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
 * k = (n, oh, ow) in [k0, k0 + kc), as one panel [kc][8]; lanes past Kc see the note below.
 * Walks the k range by output row segments. Where every column's tap row is inside the image
 * and 4 consecutive pixels are inside every column's run (unit column stride, a full panel),
 * the 8 columns are loaded 4 pixels at a time and transposed in registers (packA's shuffles);
 * the rest goes column by column (packColumn). `cols` holds 5 i32 per column: plane offset,
 * yOff, xOff, owLo, owHi.
 */
function packTaps(
  x: usize, imgStride: i32, H: i32, W: i32, kw: i32, khw: i32, Kc: i32, col0: i32, OW: i32, ohw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dwid: i32, k0: i32, kc: i32, fresh: bool, dst: usize, cols: usize,
): void {
  const OHn = ohw / OW;
  const live = min(8, Kc - col0);
  // Pixels ow in [runLo, runHi) are inside every column's run.
  let runLo = 0;
  let runHi = OW;
  for (let q = 0; q < live; q++) {
    const col = col0 + q;
    const c = col / khw;
    const t = col - c * khw;
    const i = t / kw;
    const xOff = (t - i * kw) * dwid - pw;
    // Output columns ow whose tap lands inside [0, W): ow in [owLo, owHi).
    const owLo = xOff >= 0 ? 0 : (-xOff + sw - 1) / sw;
    const owHi = min(OW, W - xOff > 0 ? (W - xOff - 1) / sw + 1 : 0);
    const e = cols + (<usize>q * 20);
    store<i32>(e, c * H * W);
    store<i32>(e, i * dh - ph, 4);
    store<i32>(e, xOff, 8);
    store<i32>(e, owLo, 12);
    store<i32>(e, owHi, 16);
    runLo = max(runLo, owLo);
    runHi = min(runHi, owHi);
  }
  // Lanes past Kc: weightGrad stores only the edge tile's first `cols` columns and SIMD
  // lanes do not mix, so they may hold the previous panel's floats (conv 1->8 3x3 has Kc =
  // 9: 7 of 16 lanes); zeros only where they would hold older scratch, whose stray
  // subnormals could slow the multiplies.
  if (fresh) {
    for (let q = live; q < 8; q++) for (let kk = 0; kk < kc; kk++) store<f32>(dst + (<usize>kk << 5) + (<usize>q << 2), 0);
  }
  const blocks = live == 8 && sw == 1;
  let n = k0 / ohw;
  const pixel = k0 - n * ohw;
  let oh = pixel / OW;
  let ow = pixel - oh * OW;
  let kk = 0;
  while (kk < kc) {
    // One output row segment [ow, end) of image n.
    const end = min(OW, ow + kc - kk);
    const out = dst + (<usize>kk << 5);
    const img = x + (<usize>(n * imgStride) << 2);
    let va = end;
    let vb = end;
    if (blocks) {
      let rows = true;
      for (let q = 0; q < 8; q++) {
        const y = oh * sh + load<i32>(cols + (<usize>q * 20), 4);
        rows = rows && y >= 0 && y < H;
      }
      const a = max(ow, runLo);
      const b = min(end, runHi);
      if (rows && b - a >= 4) {
        va = a;
        vb = a + ((b - a) & ~3);
      }
    }
    for (let q = 0; q < live; q++) {
      packColumn(img, H, W, sw, oh * sh, cols + (<usize>q * 20), ow, end, va, vb, out + (<usize>q << 2));
    }
    if (va < vb) {
      for (let u = va; u < vb; u += 4) transpose8(img, W, oh * sh, cols, u, out + (<usize>(u - ow) << 5));
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

/** Address of pixel u of column entry e's tap in output row y0 (= oh * sh) of image img. */
// @ts-ignore: decorator
@inline function tapAt(img: usize, W: i32, y0: i32, e: usize, u: i32): usize {
  return img + (<usize>(load<i32>(e) + (y0 + load<i32>(e, 4)) * W + u + load<i32>(e, 8)) << 2);
}

/** Pixels [u, u + 4) of the 8 columns (unit stride, all inside): 4 panel rows of 8 at o. */
// @ts-ignore: decorator
@inline function transpose8(img: usize, W: i32, y0: i32, e: usize, u: i32, o: usize): void {
  for (let h = 0; h < 2; h++) {
    const f = e + <usize>(h * 80);
    const v0 = v128.load(tapAt(img, W, y0, f, u));
    const v1 = v128.load(tapAt(img, W, y0, f + 20, u));
    const v2 = v128.load(tapAt(img, W, y0, f + 40, u));
    const v3 = v128.load(tapAt(img, W, y0, f + 60, u));
    storeTransposed4(v0, v1, v2, v3, o + (<usize>h << 4), 32);
  }
}

/**
 * One column of a packTaps row segment [ow, end) at d (32 bytes a pixel), but for [va, vb)
 * (done by transpose8): zeros where the tap row is outside the image, left of owLo and right
 * of owHi, a plain copy between (no test per element).
 */
function packColumn(img: usize, H: i32, W: i32, sw: i32, y0: i32, e: usize, ow: i32, end: i32, va: i32, vb: i32, d: usize): void {
  const y = y0 + load<i32>(e, 4);
  const inside = y >= 0 && y < H;
  const a = inside ? load<i32>(e, 12) : end;
  const b = inside ? load<i32>(e, 16) : end;
  const src = img + (<usize>(load<i32>(e) + y * W + load<i32>(e, 8)) << 2);
  packRun(src, sw, a, b, ow, min(end, va), ow, d);
  packRun(src, sw, a, b, max(ow, vb), end, ow, d);
}

/** Pixels [from, to) of a packColumn: those in [a, b) copied from src (stride sw), the rest zero. */
// @ts-ignore: decorator
@inline function packRun(src: usize, sw: i32, a: i32, b: i32, from: i32, to: i32, ow: i32, d: usize): void {
  const lo = min(to, max(from, a));
  const hi = max(lo, min(to, b));
  for (let u = from; u < lo; u++) store<f32>(d + (<usize>(u - ow) << 5), 0);
  for (let u = lo; u < hi; u++) store<f32>(d + (<usize>(u - ow) << 5), load<f32>(src + (<usize>(u * sw) << 2)));
  for (let u = hi; u < to; u++) store<f32>(d + (<usize>(u - ow) << 5), 0);
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
