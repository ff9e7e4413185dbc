// The pointwise half of one LSTM / GRU step for batch rows [lo, hi) (contract:
// FusedKernels.lstmCell / gruCell), in one pass instead of about ten kernels per time step.
// Each add and mul rounds to f32 where the composed tensor ops would; the 4-lane sigmoid and
// tanh are vmath32's float32 versions (within 2 ulp, a third of the cost of the unary
// kernel's float64 ones), the scalar tail uses the unary kernel's.
import { sigmoid1, tanh1 } from './vmath';
import { sigmoidF4 as sigmoid4, tanhF4 as tanh4 } from './vmath32';

/** gx, gh [B][4H] (i, f, g, o); c [B][H]; out [2][B][H] = (h', c'); act [B][4H]. */
export function lstmCell(gx: usize, gh: usize, c: usize, out: usize, act: usize, B: i32, H: i32, lo: i32, hi: i32): void {
  const hb = <usize>H << 2;
  const cOut = out + <usize>B * hb;
  for (let b = lo; b < hi; b++) {
    const row = <usize>b;
    const xr = gx + row * 4 * hb;
    const hr = gh + row * 4 * hb;
    const ar = act + row * 4 * hb;
    const cr = c + row * hb;
    const ho = out + row * hb;
    const co = cOut + row * hb;
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const q = <usize>j << 2;
      const i = sigmoid4(f32x4.add(v128.load(xr + q), v128.load(hr + q)));
      const f = sigmoid4(f32x4.add(v128.load(xr + hb + q), v128.load(hr + hb + q)));
      const g = tanh4(f32x4.add(v128.load(xr + 2 * hb + q), v128.load(hr + 2 * hb + q)));
      const o = sigmoid4(f32x4.add(v128.load(xr + 3 * hb + q), v128.load(hr + 3 * hb + q)));
      const c1 = f32x4.add(f32x4.mul(f, v128.load(cr + q)), f32x4.mul(i, g));
      v128.store(ar + q, i);
      v128.store(ar + hb + q, f);
      v128.store(ar + 2 * hb + q, g);
      v128.store(ar + 3 * hb + q, o);
      v128.store(co + q, c1);
      v128.store(ho + q, f32x4.mul(o, tanh4(c1)));
    }
    for (; j < H; j++) {
      const q = <usize>j << 2;
      const i = sigmoid1(load<f32>(xr + q) + load<f32>(hr + q));
      const f = sigmoid1(load<f32>(xr + hb + q) + load<f32>(hr + hb + q));
      const g = tanh1(load<f32>(xr + 2 * hb + q) + load<f32>(hr + 2 * hb + q));
      const o = sigmoid1(load<f32>(xr + 3 * hb + q) + load<f32>(hr + 3 * hb + q));
      const c1 = f * load<f32>(cr + q) + i * g;
      store<f32>(ar + q, i);
      store<f32>(ar + hb + q, f);
      store<f32>(ar + 2 * hb + q, g);
      store<f32>(ar + 3 * hb + q, o);
      store<f32>(co + q, c1);
      store<f32>(ho + q, o * tanh1(c1));
    }
  }
}

/** gx, gh [B][3H] (r, z, n; b_hh inside gh); h [B][H]; out [B][H]; act [B][3H] = (r, z, n). */
export function gruCell(gx: usize, gh: usize, h: usize, out: usize, act: usize, H: i32, lo: i32, hi: i32): void {
  const hb = <usize>H << 2;
  for (let b = lo; b < hi; b++) {
    const row = <usize>b;
    const xr = gx + row * 3 * hb;
    const hr = gh + row * 3 * hb;
    const ar = act + row * 3 * hb;
    const pr = h + row * hb;
    const o = out + row * hb;
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const q = <usize>j << 2;
      const r = sigmoid4(f32x4.add(v128.load(xr + q), v128.load(hr + q)));
      const z = sigmoid4(f32x4.add(v128.load(xr + hb + q), v128.load(hr + hb + q)));
      const n = tanh4(f32x4.add(v128.load(xr + 2 * hb + q), f32x4.mul(r, v128.load(hr + 2 * hb + q))));
      v128.store(ar + q, r);
      v128.store(ar + hb + q, z);
      v128.store(ar + 2 * hb + q, n);
      v128.store(o + q, f32x4.add(n, f32x4.mul(z, f32x4.sub(v128.load(pr + q), n))));
    }
    for (; j < H; j++) {
      const q = <usize>j << 2;
      const r = sigmoid1(load<f32>(xr + q) + load<f32>(hr + q));
      const z = sigmoid1(load<f32>(xr + hb + q) + load<f32>(hr + hb + q));
      const n = tanh1(load<f32>(xr + 2 * hb + q) + r * load<f32>(hr + 2 * hb + q));
      store<f32>(ar + q, r);
      store<f32>(ar + hb + q, z);
      store<f32>(ar + 2 * hb + q, n);
      store<f32>(o + q, n + z * (load<f32>(pr + q) - n));
    }
  }
}
