// The one place a kernel's multiply-add is spelled, so the baseline and the relaxed-SIMD
// builds (see package.json build:wasm) compile the same source. ASC_FEATURE_RELAXED_SIMD is
// a compile-time constant: each build keeps one branch.
//
// f32x4.relaxed_madd rounds once (fused) or twice (mul then add), as the engine chooses; V8
// fuses where the CPU has FMA (test/relaxed/choice.test.ts tells which). Fusing drops one
// rounding per step, so the error bound only tightens: the conformance tolerance of matmul and
// conv2d is rtol K * 2^-23 with |expected| floored at the RMS (perK ACCUM), and the worst
// case measured against the PyTorch fixtures is 0.35 of it on both builds (matmul), conv2d
// 0.11 relaxed vs 0.16 baseline. PyTorch's CPU GEMM fuses too. Only madd is used: relaxed
// min/max, laneselect and truncation differ on NaN and out-of-range lanes, which the suite
// pins down.

/** a * b + c on four f32 lanes: fused in the relaxed build, mul then add in the baseline. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** 1 in the relaxed-SIMD build, 0 in the baseline: which module the host instantiated. */
export function relaxedSimd(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}
