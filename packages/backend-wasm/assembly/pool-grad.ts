// The input gradient of pool2d (contract: FusedKernels.pool2dBackward) over planes (n, c) in
// [lo, hi): zero the plane, then add each window's gradient to its saved argmax (max) or,
// divided by the window's divisor, to each of its input positions (avg). Planes are
// independent, so threads split them without races; idx and div are 0 when absent.
export function pool2dBackward(
  g: usize, idx: usize, div: usize, dx: usize, isMax: bool,
  H: i32, W: i32, OH: i32, OW: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  lo: i32, hi: i32,
): void {
  const L = OH * OW;
  const planeBytes = <usize>(H * W) << 2;
  for (let plane = lo; plane < hi; plane++) {
    const gp = g + (<usize>(plane * L) << 2);
    const xp = dx + <usize>plane * planeBytes;
    memory.fill(xp, 0, planeBytes);
    if (isMax) {
      const ip = idx + (<usize>(plane * L) << 2);
      for (let o = 0; o < L; o++) {
        const q = xp + (<usize>load<i32>(ip + (<usize>o << 2)) << 2);
        store<f32>(q, load<f32>(q) + load<f32>(gp + (<usize>o << 2)));
      }
      continue;
    }
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const o = oh * OW + ow;
        const v = load<f32>(gp + (<usize>o << 2)) / load<f32>(div + (<usize>o << 2));
        for (let i = 0; i < kh; i++) {
          const h = oh * sh - ph + i * dh;
          if (h < 0 || h >= H) continue;
          for (let j = 0; j < kw; j++) {
            const w = ow * sw - pw + j * dw;
            if (w >= 0 && w < W) {
              const q = xp + (<usize>(h * W + w) << 2);
              store<f32>(q, load<f32>(q) + v);
            }
          }
        }
      }
    }
  }
}
