/**
 * Tensor's elementwise methods (ops/elementwise.ts): arithmetic, comparisons, logic, the unary
 * functions, clamp, where and maskedFill. Declared on Tensor by declaration merging and
 * installed on its prototype by tensor.ts, so every import of Tensor has them; tensor.ts keeps
 * the handle itself (storage, autograd, memory, readback).
 */
import * as E from '../ops/elementwise.js';
// Imported under another name: inside the augmentation below `Other` would resolve to
// tensor.ts's own export, so tsc drops the import from the emitted .d.ts, where the name
// is then unbound (TS2304 in a consumer with skipLibCheck false; tooling/consumers checks).
import type { Other as OtherOperand, Tensor } from './tensor.js';

declare module './tensor.js' {
  interface Tensor {
    /** `this + o` elementwise, broadcasting; dtypes promote as in PyTorch. */
    add(o: OtherOperand): Tensor;
    /** `this - o` elementwise, broadcasting. */
    sub(o: OtherOperand): Tensor;
    /** `this * o` elementwise, broadcasting. */
    mul(o: OtherOperand): Tensor;
    /** `this / o` elementwise, broadcasting; true division (integers give float32). */
    div(o: OtherOperand): Tensor;
    /** `this ** o` elementwise, broadcasting. */
    pow(o: OtherOperand): Tensor;
    /** Elementwise maximum of this and `o`, broadcasting (NaN propagates). */
    maximum(o: OtherOperand): Tensor;
    /** Elementwise minimum of this and `o`, broadcasting (NaN propagates). */
    minimum(o: OtherOperand): Tensor;
    /** Elementwise `atan2(this, o)`: the angle of the point (o, this), in radians. */
    atan2(o: OtherOperand): Tensor;
    /** Elementwise remainder with the sign of the divisor (Python's `%`, torch.remainder). */
    remainder(o: OtherOperand): Tensor;
    /** Elementwise `floor(this / o)` (torch.floor_divide). */
    floorDivide(o: OtherOperand): Tensor;
    /** Elementwise `this == o`, a bool tensor. */
    eq(o: OtherOperand): Tensor;
    /** Elementwise `this != o`, a bool tensor. */
    ne(o: OtherOperand): Tensor;
    /** Elementwise `this < o`, a bool tensor. */
    lt(o: OtherOperand): Tensor;
    /** Elementwise `this <= o`, a bool tensor. */
    le(o: OtherOperand): Tensor;
    /** Elementwise `this > o`, a bool tensor. */
    gt(o: OtherOperand): Tensor;
    /** Elementwise `this >= o`, a bool tensor. */
    ge(o: OtherOperand): Tensor;
    /** Elementwise logical and (non-zero is true), a bool tensor. */
    logicalAnd(o: OtherOperand): Tensor;
    /** Elementwise logical or (non-zero is true), a bool tensor. */
    logicalOr(o: OtherOperand): Tensor;
    /** Elementwise logical exclusive or (non-zero is true), a bool tensor. */
    logicalXor(o: OtherOperand): Tensor;
    /** Elementwise logical not (zero becomes true), a bool tensor. */
    logicalNot(): Tensor;
    /** Elementwise `-this`. */
    neg(): Tensor;
    /** Elementwise absolute value. */
    abs(): Tensor;
    /** Elementwise sign: -1, 0 or 1. */
    sign(): Tensor;
    /** Elementwise `e ** this`. */
    exp(): Tensor;
    /** Elementwise `exp(this) - 1`, exact near 0. */
    expm1(): Tensor;
    /** Elementwise natural logarithm (NaN below 0, -Infinity at 0). */
    log(): Tensor;
    /** Elementwise `log(1 + this)`, exact near 0. */
    log1p(): Tensor;
    /** Elementwise square root. */
    sqrt(): Tensor;
    /** Elementwise `1 / sqrt(this)`. */
    rsqrt(): Tensor;
    /** Elementwise `1 / this`. */
    reciprocal(): Tensor;
    /** Elementwise `this * this`. */
    square(): Tensor;
    /** Elementwise sine (radians). */
    sin(): Tensor;
    /** Elementwise cosine (radians). */
    cos(): Tensor;
    /** Elementwise tangent (radians). */
    tan(): Tensor;
    /** Elementwise hyperbolic tangent. */
    tanh(): Tensor;
    /** Elementwise logistic sigmoid `1 / (1 + exp(-this))`. */
    sigmoid(): Tensor;
    /** Elementwise Gauss error function. */
    erf(): Tensor;
    /** Elementwise round down. */
    floor(): Tensor;
    /** Elementwise round up. */
    ceil(): Tensor;
    /** Elementwise round to nearest, ties to even (as torch.round). */
    round(): Tensor;
    /** Elementwise `max(this, 0)`. */
    relu(): Tensor;
    /** Elementwise test for NaN, a bool tensor. */
    isnan(): Tensor;
    /** Elementwise clamp into `[min, max]`; either bound may be null or omitted (no bound on that side). */
    clamp(min?: number | null, max?: number | null): Tensor;
    /**
     * Elements of this where `cond` is true, else of `other` (torch.where(cond, this, other)), broadcasting
     * all three.
     */
    where(cond: Tensor, other: OtherOperand): Tensor;
    /** A copy with `value` wherever the bool `mask` (broadcast to this shape) is true. */
    maskedFill(mask: Tensor, value: number | boolean): Tensor;
  }
}

/** @internal The implementations, typed by the declarations above. */
export const elementwiseMethods = {
  add(o) {
    return E.add(this, o);
  },
  sub(o) {
    return E.sub(this, o);
  },
  mul(o) {
    return E.mul(this, o);
  },
  div(o) {
    return E.div(this, o);
  },
  pow(o) {
    return E.pow(this, o);
  },
  maximum(o) {
    return E.maximum(this, o);
  },
  minimum(o) {
    return E.minimum(this, o);
  },
  atan2(o) {
    return E.atan2(this, o);
  },
  remainder(o) {
    return E.remainder(this, o);
  },
  floorDivide(o) {
    return E.floorDivide(this, o);
  },
  eq(o) {
    return E.eq(this, o);
  },
  ne(o) {
    return E.ne(this, o);
  },
  lt(o) {
    return E.lt(this, o);
  },
  le(o) {
    return E.le(this, o);
  },
  gt(o) {
    return E.gt(this, o);
  },
  ge(o) {
    return E.ge(this, o);
  },
  logicalAnd(o) {
    return E.logicalAnd(this, o);
  },
  logicalOr(o) {
    return E.logicalOr(this, o);
  },
  logicalXor(o) {
    return E.logicalXor(this, o);
  },
  logicalNot() {
    return E.logicalNot(this);
  },
  neg() {
    return E.neg(this);
  },
  abs() {
    return E.abs(this);
  },
  sign() {
    return E.sign(this);
  },
  exp() {
    return E.exp(this);
  },
  expm1() {
    return E.expm1(this);
  },
  log() {
    return E.log(this);
  },
  log1p() {
    return E.log1p(this);
  },
  sqrt() {
    return E.sqrt(this);
  },
  rsqrt() {
    return E.rsqrt(this);
  },
  reciprocal() {
    return E.reciprocal(this);
  },
  square() {
    return E.square(this);
  },
  sin() {
    return E.sin(this);
  },
  cos() {
    return E.cos(this);
  },
  tan() {
    return E.tan(this);
  },
  tanh() {
    return E.tanh(this);
  },
  sigmoid() {
    return E.sigmoid(this);
  },
  erf() {
    return E.erf(this);
  },
  floor() {
    return E.floor(this);
  },
  ceil() {
    return E.ceil(this);
  },
  round() {
    return E.round(this);
  },
  relu() {
    return E.relu(this);
  },
  isnan() {
    return E.isnan(this);
  },
  clamp(min, max) {
    return E.clamp(this, min, max);
  },
  where(cond, other) {
    return E.where(cond, this, other);
  },
  maskedFill(mask, value) {
    return E.maskedFill(this, mask, value);
  },
} satisfies Partial<Tensor> & ThisType<Tensor>;
