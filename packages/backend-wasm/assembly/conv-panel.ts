// Packing of convGemm's (conv.ts) border panels: the 8 pixels of a panel whose taps reach
// past the plane's edges, or that straddle two rows, gathered tap by tap with the bounds.

/** Bytes per tap in a tap table: its plane c, window row i, column j and position i * kw + j (i32 each). */
export const TAP_BYTES: usize = 16;
/** Window positions (kh * kw) packPanelUnit keeps masks for: 64 x 48 bytes of scratch. */
export const MAX_WINDOW: i32 = 64;

/**
 * The taps [k0, k0 + kc) of a kh x kw window as a table of (c, i, j, i * kw + j), written once per k block
 * and read by every packer below, so no loop walks the window itself.
 */
export function tapTable(kh: i32, kw: i32, k0: i32, kc: i32, dst: usize): void {
  const khw = kh * kw;
  let c = k0 / khw;
  let t = k0 - c * khw;
  let i = t / kw;
  let j = t - i * kw;
  for (let kk = 0; kk < kc; kk++) {
    store<i32>(dst, c);
    store<i32>(dst, i, 4);
    store<i32>(dst, j, 8);
    store<i32>(dst, i * kw + j, 12);
    dst += TAP_BYTES;
    if (++j == kw) {
      j = 0;
      if (++i == kh) {
        i = 0;
        c++;
      }
    }
  }
}

/** Byte offsets (from a pixel's source) of the kc taps of `table`, for unit-divisor maps. */
export function tapOffsets(Hs: i32, Ws: i32, br: i32, bs: i32, table: usize, kc: i32, dst: usize): void {
  for (let kk = 0; kk < kc; kk++) {
    const t = table + <usize>kk * TAP_BYTES;
    store<i32>(dst + (<usize>kk << 2), (load<i32>(t) * Hs * Ws + br * load<i32>(t, 4) * Ws + bs * load<i32>(t, 8)) << 2);
  }
}

/**
 * Pack taps [k0, k0 + kc) of the 8 pixels from j0 (see convGemm) as one panel [kc][8], with
 * the bounds. Most panels of small images are border panels (a 14-wide plane has 2 direct
 * panels of 7), so with unit steps and divisors (stride-1 forward and input gradient) the
 * panel is built with vector loads and lane masks (packPanelUnit); the rest go element by
 * element.
 */
export function packPanel(
  img: usize, Hs: i32, Ws: i32, kw: i32, khw: i32, ar: i32, br: i32, cr: i32, qr: i32, as: i32, bs: i32,
  cs: i32, qs: i32, Pw: i32, pix: i32, j0: i32, table: usize, kc: i32, d: usize, nums: usize, masks: usize,
): void {
  const cols = min(8, pix - j0);
  const unit = as == 1 && qr == 1 && qs == 1 && (j0 + cols - 1) / Pw - j0 / Pw <= 1;
  if (unit && packPanelUnit(img, Hs, Ws, kw, khw, ar, br, cr, bs, cs, Pw, cols, j0, table, kc, d, masks)) return;
  packPanelScalar(img, Hs, Ws, ar, br, cr, qr, as, bs, cs, qs, Pw, pix, j0, table, kc, d, nums);
}

/**
 * packPanel for unit column step and divisors, the panel's pixels in at most two rows: row A
 * (lanes below `la`) and row B. For each tap the lanes of one row read consecutive floats, so
 * the tap's 8 values are two vector loads per row blended by lane, then masked to zero where
 * the lane's (y, x) is outside the plane or past the last pixel. The masks and the offsets
 * depend on the window position (i, j) only, so they are made once per panel (`masks`: 48
 * bytes per position; windows of more than MAX_WINDOW positions go element by element). A
 * masked lane may read floats outside the plane, never outside linear memory (the panel's
 * whole address range is checked first); its bits are dropped, so a NaN there cannot leak.
 * Returns false, having written nothing, where packPanelScalar must do the panel.
 */
function packPanelUnit(
  img: usize, Hs: i32, Ws: i32, kw: i32, khw: i32, ar: i32, br: i32, cr: i32, bs: i32, cs: i32,
  Pw: i32, cols: i32, j0: i32, table: usize, kc: i32, d: usize, masks: usize,
): bool {
  if (khw > MAX_WINDOW) return false;
  const r0 = j0 / Pw;
  const s0 = j0 - r0 * Pw;
  const la = min(cols, Pw - s0);
  const rowA = ar * r0 + cr;
  const rowB = rowA + ar;
  const lane0 = i32x4(0, 1, 2, 3);
  const lane1 = i32x4(4, 5, 6, 7);
  const inA0 = i32x4.lt_s(lane0, i32x4.splat(la));
  const inA1 = i32x4.lt_s(lane1, i32x4.splat(la));
  // Each lane's row and column before the tap's share: row A x = s0 + q + cs, row B x = q - la + cs.
  const y0 = v128.bitselect(i32x4.splat(rowA), i32x4.splat(rowB), inA0);
  const y1 = v128.bitselect(i32x4.splat(rowA), i32x4.splat(rowB), inA1);
  const x0 = v128.bitselect(i32x4.add(lane0, i32x4.splat(s0 + cs)), i32x4.add(lane0, i32x4.splat(cs - la)), inA0);
  const x1 = v128.bitselect(i32x4.add(lane1, i32x4.splat(s0 + cs)), i32x4.add(lane1, i32x4.splat(cs - la)), inA1);
  const live0 = i32x4.lt_s(lane0, i32x4.splat(cols));
  const live1 = i32x4.lt_s(lane1, i32x4.splat(cols));
  const hs = i32x4.splat(Hs);
  const ws = i32x4.splat(Ws);
  let minShift = i32.MAX_VALUE;
  let maxShift = i32.MIN_VALUE;
  for (let t = 0; t < khw; t++) {
    const i = t / kw;
    const dy = br * i;
    const dx = bs * (t - i * kw);
    const ok0 = v128.and(i32x4.lt_u(i32x4.add(y0, i32x4.splat(dy)), hs), i32x4.lt_u(i32x4.add(x0, i32x4.splat(dx)), ws));
    const ok1 = v128.and(i32x4.lt_u(i32x4.add(y1, i32x4.splat(dy)), hs), i32x4.lt_u(i32x4.add(x1, i32x4.splat(dx)), ws));
    const m = masks + <usize>t * 48;
    v128.store(m, v128.and(ok0, live0));
    v128.store(m, v128.and(ok1, live1), 16);
    const shift = dy * Ws + dx;
    store<i32>(m, shift, 32);
    minShift = min(minShift, shift);
    maxShift = max(maxShift, shift);
  }
  // Element offsets (in the plane) of lane 0 of each row's run, before the tap's share.
  const offA = rowA * Ws + s0 + cs;
  const offB = la < cols ? rowB * Ws + cs - la : offA;
  const planeBytes = <usize>(Hs * Ws) << 2;
  const first = <i64>img + <i64>load<i32>(table) * <i64>planeBytes;
  const last = <i64>img + <i64>load<i32>(table + <usize>(kc - 1) * TAP_BYTES) * <i64>planeBytes;
  const lo = first + (<i64>(min(offA, offB) + minShift) << 2);
  const hi = last + (<i64>(max(offA, offB) + maxShift) << 2) + 32;
  if (lo < 0 || hi > <i64>memory.size() << 16) return false;
  const bytesB = <usize>((offB - offA) << 2);
  const base = img + (<usize>offA << 2);
  for (let kk = 0; kk < kc; kk++) {
    const tap = table + <usize>kk * TAP_BYTES;
    const m = masks + <usize>load<i32>(tap, 12) * 48;
    const pa = base + <usize>load<i32>(tap) * planeBytes + (<usize>load<i32>(m, 32) << 2);
    const pb = pa + bytesB;
    v128.store(d, v128.and(v128.bitselect(v128.load(pa), v128.load(pb), inA0), v128.load(m)));
    v128.store(d, v128.and(v128.bitselect(v128.load(pa, 16), v128.load(pb, 16), inA1), v128.load(m, 16)), 16);
    d += 32;
  }
  return true;
}

/** packPanel element by element: any divisors and steps, panels over any number of rows. */
function packPanelScalar(
  img: usize, Hs: i32, Ws: i32, ar: i32, br: i32, cr: i32, qr: i32, as: i32, bs: i32, cs: i32, qs: i32,
  Pw: i32, pix: i32, j0: i32, table: usize, kc: i32, d: usize, nums: usize,
): void {
  const cols = min(8, pix - j0);
  // Per pixel of the panel: the row and column numerators before the tap's share.
  const rowNum = nums;
  const colNum = nums + 32;
  for (let q = 0; q < cols; q++) {
    const r = (j0 + q) / Pw;
    store<i32>(rowNum + (<usize>q << 2), ar * r + cr);
    store<i32>(colNum + (<usize>q << 2), as * (j0 + q - r * Pw) + cs);
  }
  const planeBytes = <usize>(Hs * Ws) << 2;
  for (let kk = 0; kk < kc; kk++) {
    const tap = table + <usize>kk * TAP_BYTES;
    const plane = img + <usize>load<i32>(tap) * planeBytes;
    const i = load<i32>(tap, 4);
    const j = load<i32>(tap, 8);
    if (qr == 1 && qs == 1) {
      // Unit divisors (every forward, stride-1 gradients): bounds only, no division.
      for (let q = 0; q < 8; q++) {
        const y = load<i32>(rowNum + (<usize>q << 2)) + br * i;
        const x = load<i32>(colNum + (<usize>q << 2)) + bs * j;
        const inside = q < cols && <u32>y < <u32>Hs && <u32>x < <u32>Ws;
        store<f32>(d + (<usize>q << 2), inside ? load<f32>(plane + (<usize>(y * Ws + x) << 2)) : 0);
      }
    } else {
      for (let q = 0; q < 8; q++) {
        let v: f32 = 0;
        if (q < cols) {
          let y = load<i32>(rowNum + (<usize>q << 2)) + br * i;
          let x = load<i32>(colNum + (<usize>q << 2)) + bs * j;
          if (y >= 0 && x >= 0 && y % qr == 0 && x % qs == 0) {
            y /= qr;
            x /= qs;
            if (y < Hs && x < Ws) v = load<f32>(plane + (<usize>(y * Ws + x) << 2));
          }
        }
        store<f32>(d + (<usize>q << 2), v);
      }
    }
    d += 32;
  }
}

