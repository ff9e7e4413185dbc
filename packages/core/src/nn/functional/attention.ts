/**
 * Attention: F.scaledDotProductAttention (PyTorch 2's F.scaled_dot_product_attention) and
 * F.multiHeadAttentionForward (F.multi_head_attention_forward, what nn.MultiheadAttention
 * runs). The contract has no fused attention kernel, so both compose matmul + softmax.
 *
 * Mask conventions differ between the two, exactly as in PyTorch:
 * - scaledDotProductAttention: a bool attnMask says which positions TAKE PART (true = attend).
 * - multiHeadAttentionForward / nn.MultiheadAttention: a bool attnMask or keyPaddingMask says
 *   which positions are MASKED OUT (true = not allowed).
 * Float masks are added to the scores in both.
 */
import type { DType } from '../../backend/contract.js';
import { arange, full } from '../../ops/creation.js';
import { where } from '../../ops/elementwise.js';
import { cat, pad } from '../../ops/indexing.js';
import { isFloat } from '../../tensor/dtype.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptionalTensor, checkOptions, checkTensor } from '../validate.js';
import { softmax } from './activation.js';
import { dropout } from './dropout.js';
import { linear } from './linear.js';

/**
 * x W^T + b as F.linear: one recorded op whose weight gradient is ONE [out, rows] x [rows, in]
 * matmul. Composed as x.matmul(W.t()) on the [L, N, E] input, W^T broadcast over L made the
 * weight gradient L batched products plus a strided sum over them: for the encoder layer
 * (batch 8, seq 64, d 128) on wasm 15.6 ms matmul + 68.7 ms reduce per step (median of 9).
 */
function project(x: Tensor, w: Tensor, b: Tensor | null | undefined): Tensor {
  return linear(x, w, b ?? null);
}

/** Options of {@link scaledDotProductAttention}. */
export interface ScaledDotProductAttentionOptions {
  /** bool: true = may attend (PyTorch 2 semantics); float: added to the scores. Broadcasts to [..., L, S]. */
  attnMask?: Tensor | null;
  /** Dropout on the attention weights; applied whenever > 0, as F.scaled_dot_product_attention. */
  dropoutP?: number;
  /** Mask out keys after each query position (top-left aligned lower triangle of [L, S]). */
  isCausal?: boolean;
  /** Score scale; default 1/sqrt(E). */
  scale?: number | null;
}

/** Lower-triangular [L, S] bool mask: true where key j <= query i. */
function causalKeep(L: number, S: number, like: Tensor): Tensor {
  const opts = { backend: like.backend };
  return arange(0, L, 1, opts)
    .unsqueeze(1)
    .ge(arange(0, S, 1, opts).unsqueeze(0));
}

/** softmax(q k^T * scale + mask) v over the last two dims of q [..., L, E], k [..., S, E], v [..., S, Ev]. */
export function scaledDotProductAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  opts: ScaledDotProductAttentionOptions = {},
): Tensor {
  const name = 'scaledDotProductAttention';
  checkOptions(name, opts, ['attnMask', 'dropoutP', 'isCausal', 'scale']);
  checkOptionalTensor(name, 'attnMask', opts.attnMask);
  for (const [t, what] of [
    [query, 'query'],
    [key, 'key'],
    [value, 'value'],
  ] as const) {
    checkTensor(name, what, t);
    if (!isFloat(t.dtype)) throw new TypeError(`${name} expected a float ${what}, got ${t.dtype}`);
    if (t.ndim < 2)
      throw new RangeError(
        `${name} expected ${what} with at least 2 dimensions, got shape ${fmtShape(t.shape)}`,
      );
  }
  const E = query.shape[query.ndim - 1];
  if (key.shape[key.ndim - 1] !== E) {
    throw new RangeError(
      `${name}: query and key must have the same embedding size, got query ${fmtShape(query.shape)} and key ${fmtShape(key.shape)}`,
    );
  }
  if (key.shape[key.ndim - 2] !== value.shape[value.ndim - 2]) {
    throw new RangeError(
      `${name}: key and value must have the same sequence length, got key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)}`,
    );
  }
  const mask = opts.attnMask ?? null;
  if (opts.isCausal && mask) {
    throw new RangeError(`${name}: an explicit attnMask cannot be combined with isCausal=true`);
  }
  return tidy(() => {
    const L = query.shape[query.ndim - 2];
    const S = key.shape[key.ndim - 2];
    const scale = opts.scale ?? 1 / Math.sqrt(E);
    let scores = query.mul(scale).matmul(key.transpose(-2, -1));
    if (opts.isCausal) scores = where(causalKeep(L, S, query), scores, Number.NEGATIVE_INFINITY);
    if (mask) {
      scores = mask.dtype === 'bool' ? where(mask, scores, Number.NEGATIVE_INFINITY) : scores.add(mask);
    }
    let w = softmax(scores, -1);
    const p = opts.dropoutP ?? 0;
    if (p > 0) w = dropout(w, p, true);
    return w.matmul(value);
  });
}

// ---- multi-head attention ---------------------------------------------------------------

/** The parameters {@link multiHeadAttentionForward} uses, as nn.MultiheadAttention holds them. */
export interface MultiHeadAttentionWeights {
  /** Packed [3E, E] projection (when kdim == vdim == E). */
  inProjWeight?: Tensor | null;
  /** Packed [3E] bias (also used with separate projection weights, as PyTorch). */
  inProjBias?: Tensor | null;
  /** Query projection `[E, E]` (when kdim or vdim differ from E). */
  qProjWeight?: Tensor | null;
  /** Key projection `[E, kdim]`. */
  kProjWeight?: Tensor | null;
  /** Value projection `[E, vdim]`. */
  vProjWeight?: Tensor | null;
  /** [1, 1, E] each (addBiasKv). */
  biasK?: Tensor | null;
  /** `[1, 1, E]` (addBiasKv). */
  biasV?: Tensor | null;
  /** Output projection `[E, E]`. */
  outProjWeight: Tensor;
  /** Output projection bias `[E]`. */
  outProjBias?: Tensor | null;
}

/** Options of {@link multiHeadAttentionForward}, with nn.MultiheadAttention's defaults. */
export interface MultiHeadAttentionOptions {
  /** bool: true = padding (ignored); float: added. [N, S], or [S] for unbatched input. */
  keyPaddingMask?: Tensor | null;
  /** Also return the attention weights (default true). */
  needWeights?: boolean;
  /** bool: true = not allowed; float: added. [L, S] or [N*numHeads, L, S]. */
  attnMask?: Tensor | null;
  /** Average the returned weights over heads (default true). */
  averageAttnWeights?: boolean;
  /** A causal mask applies: attnMask, if given, is trusted to be it; otherwise one is built. */
  isCausal?: boolean;
  /** Append a zero key and value position (default false). */
  addZeroAttn?: boolean;
  /** Dropout on the attention weights, in training only (default 0). */
  dropoutP?: number;
  /** Training mode, for dropout (default true). */
  training?: boolean;
  /** Layer name for error messages. */
  name?: string;
}

/** A bool "true = masked out" mask becomes -inf/0 in `dtype` (the query's); float masks pass through. */
function toFloatMask(mask: Tensor, name: string, what: string, dtype: DType): Tensor {
  if (mask.dtype === 'bool')
    return full(mask.shape, 0, { dtype, backend: mask.backend }).maskedFill(mask, Number.NEGATIVE_INFINITY);
  if (!isFloat(mask.dtype))
    throw new TypeError(`${name}: only bool and float ${what} are supported, got ${mask.dtype}`);
  return mask;
}

/**
 * Multi-head attention on sequence-first inputs: query [L, N, E] (or [L, E] unbatched), key
 * [S, N, kdim], value [S, N, vdim]. Returns [output [L, N, E], weights [N, L, S] (averaged over
 * heads) or [N, numHeads, L, S], or null when needWeights is false].
 */
export function multiHeadAttentionForward(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  numHeads: number,
  weights: MultiHeadAttentionWeights,
  opts: MultiHeadAttentionOptions = {},
): [Tensor, Tensor | null] {
  const name = opts.name ?? 'MultiheadAttention';
  checkOptions(name, opts, [
    'keyPaddingMask',
    'needWeights',
    'attnMask',
    'averageAttnWeights',
    'isCausal',
    'addZeroAttn',
    'dropoutP',
    'training',
    'name',
  ]);
  checkOptionalTensor(name, 'keyPaddingMask', opts.keyPaddingMask);
  checkOptionalTensor(name, 'attnMask', opts.attnMask);
  for (const [t, what] of [
    [query, 'query'],
    [key, 'key'],
    [value, 'value'],
  ] as const) {
    checkTensor(name, what, t);
    if (!isFloat(t.dtype)) throw new TypeError(`${name} expected a float ${what}, got ${t.dtype}`);
  }
  const batched = query.ndim === 3;
  if (query.ndim !== 2 && query.ndim !== 3) {
    throw new RangeError(
      `${name} expected a 2-D (unbatched) or 3-D (batched) query, got ${query.ndim}-D query of shape ${fmtShape(query.shape)}`,
    );
  }
  if (key.ndim !== query.ndim || value.ndim !== query.ndim) {
    throw new RangeError(
      `${name}: for ${batched ? 'batched 3-D' : 'unbatched 2-D'} query, key and value should be ${query.ndim}-D, got key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)}`,
    );
  }
  let kpm = opts.keyPaddingMask ?? null;
  if (kpm && kpm.ndim !== (batched ? 2 : 1)) {
    throw new RangeError(
      `${name}: for ${batched ? 'batched 3-D' : 'unbatched 2-D'} query, keyPaddingMask should be ${batched ? 2 : 1}-D, got shape ${fmtShape(kpm.shape)}`,
    );
  }
  let mask = opts.attnMask ?? null;
  if (mask && mask.ndim !== 2 && mask.ndim !== 3) {
    throw new RangeError(`${name}: attnMask should be 2-D or 3-D, got shape ${fmtShape(mask.shape)}`);
  }
  return tidy(() => {
    let q0 = query;
    let k0 = key;
    let v0 = value;
    if (!batched) {
      q0 = q0.unsqueeze(1);
      k0 = k0.unsqueeze(1);
      v0 = v0.unsqueeze(1);
      if (kpm) kpm = kpm.unsqueeze(0);
      if (mask && mask.ndim === 3 && mask.shape[0] !== numHeads) {
        throw new RangeError(
          `${name}: for unbatched query, a 3-D attnMask should have shape (${numHeads}, L, S), got ${fmtShape(mask.shape)}`,
        );
      }
    }
    const [L, N, E] = q0.shape;
    const S0 = k0.shape[0];
    // isCausal as documented ("applies a causal mask"): a given attnMask is trusted to be that
    // mask (PyTorch's hint); without one, build it (where PyTorch would raise).
    if (!mask && opts.isCausal) {
      const o = { backend: q0.backend };
      mask = arange(0, L, 1, o)
        .unsqueeze(1)
        .lt(arange(0, S0, 1, o).unsqueeze(0));
    }
    if (k0.shape[1] !== N || v0.shape[1] !== N || v0.shape[0] !== S0) {
      throw new RangeError(
        `${name}: key and value must share sequence length and batch size with query's batch, got query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)}, value ${fmtShape(value.shape)}`,
      );
    }
    const embedDim = weights.outProjWeight.shape[1];
    if (E !== embedDim) {
      throw new RangeError(
        `${name} expected query with ${embedDim} features (embedDim), got ${E} (query shape ${fmtShape(query.shape)})`,
      );
    }
    const hd = Math.floor(E / numHeads);
    if (hd * numHeads !== E)
      throw new RangeError(`${name}: embedDim ${E} must be divisible by numHeads ${numHeads}`);

    // Projections: one matmul for self-attention with a packed weight.
    let q: Tensor;
    let k: Tensor;
    let v: Tensor;
    const b = weights.inProjBias ?? null;
    const bq = b ? b.narrow(0, 0, E) : null;
    const bk = b ? b.narrow(0, E, E) : null;
    const bv = b ? b.narrow(0, 2 * E, E) : null;
    if (weights.inProjWeight) {
      const w = weights.inProjWeight;
      if (w.shape[0] !== 3 * E || w.shape[1] !== E) {
        throw new RangeError(
          `${name}: expected inProjWeight of shape [${3 * E}, ${E}], got ${fmtShape(w.shape)}`,
        );
      }
      if (k0.shape[2] !== E || v0.shape[2] !== E) {
        throw new RangeError(
          `${name} expected key and value with ${E} features (kdim = vdim = embedDim), got key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)}`,
        );
      }
      if (query === key && key === value) {
        const qkv = project(q0, w, b);
        [q, k, v] = [qkv.narrow(2, 0, E), qkv.narrow(2, E, E), qkv.narrow(2, 2 * E, E)];
      } else {
        q = project(q0, w.narrow(0, 0, E), bq);
        k = project(k0, w.narrow(0, E, E), bk);
        v = project(v0, w.narrow(0, 2 * E, E), bv);
      }
    } else {
      const { qProjWeight: wq, kProjWeight: wk, vProjWeight: wv } = weights;
      if (!wq || !wk || !wv) throw new Error(`${name}: expected inProjWeight or all of q/k/vProjWeight`);
      if (k0.shape[2] !== wk.shape[1] || v0.shape[2] !== wv.shape[1]) {
        throw new RangeError(
          `${name} expected key with ${wk.shape[1]} features (kdim) and value with ${wv.shape[1]} (vdim), got key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)}`,
        );
      }
      q = project(q0, wq, bq);
      k = project(k0, wk, bk);
      v = project(v0, wv, bv);
    }

    let fmask = mask ? toFloatMask(mask, name, 'attnMask', q.dtype) : null;
    if (fmask) {
      const want = fmask.ndim === 2 ? [L, S0] : [N * numHeads, L, S0];
      if (fmask.shape.some((s, i) => s !== want[i])) {
        throw new RangeError(
          `${name}: the shape of the ${fmask.ndim}-D attnMask is ${fmtShape(mask!.shape)}, but should be (${(batched || fmask.ndim === 2 ? want : [numHeads, L, S0]).join(', ')})`,
        );
      }
      if (fmask.ndim === 2) fmask = fmask.unsqueeze(0);
    }
    let fkpm = kpm ? toFloatMask(kpm, name, 'keyPaddingMask', q.dtype) : null;
    if (fkpm && (fkpm.shape[0] !== N || fkpm.shape[1] !== S0)) {
      throw new RangeError(
        `${name}: expected keyPaddingMask of shape (${batched ? `${N}, ${S0}` : S0}), got ${fmtShape(opts.keyPaddingMask!.shape)}`,
      );
    }
    if (weights.biasK && weights.biasV) {
      k = cat([k, weights.biasK.expand([1, N, E])], 0);
      v = cat([v, weights.biasV.expand([1, N, E])], 0);
      if (fmask) fmask = pad(fmask, [0, 1]);
      if (fkpm) fkpm = pad(fkpm, [0, 1]);
    } else if (weights.biasK || weights.biasV) {
      throw new Error(`${name}: biasK and biasV must be given together`);
    }
    const NH = N * numHeads;
    const heads = (t: Tensor) => t.reshape([t.shape[0], NH, hd]).transpose(0, 1); // [NH, len, hd]
    // The scale goes on q before the split into heads: in self-attention q is a strided block of the
    // packed projection, so heads(q) would copy it; the product is already contiguous, so
    // its reshape is a view (one kernel fewer each way; same products as scaling after).
    const qh = heads(q.mul(1 / Math.sqrt(hd)));
    let kh = heads(k);
    let vh = heads(v);
    if (opts.addZeroAttn) {
      const z = full([NH, 1, hd], 0, { dtype: q.dtype, backend: q.backend });
      kh = cat([kh, z], 1);
      vh = cat([vh, z], 1);
      if (fmask) fmask = pad(fmask, [0, 1]);
      if (fkpm) fkpm = pad(fkpm, [0, 1]);
    }
    const S = kh.shape[1];
    if (fkpm) {
      const m = fkpm.reshape([N, 1, 1, S]).expand([N, numHeads, 1, S]).reshape([NH, 1, S]);
      fmask = fmask ? fmask.add(m) : m;
    }
    let scores = qh.matmul(kh.transpose(1, 2)); // [NH, L, S]
    if (fmask) scores = scores.add(fmask);
    let w = softmax(scores, -1);
    const p = opts.training === false ? 0 : (opts.dropoutP ?? 0);
    if (p > 0) w = dropout(w, p, true);
    const o = w
      .matmul(vh)
      .transpose(0, 1)
      .reshape([L * N, E]);
    let out = project(o, weights.outProjWeight, weights.outProjBias).reshape([L, N, E]);
    let attn: Tensor | null = null;
    if (opts.needWeights ?? true) {
      attn = w.reshape([N, numHeads, L, S]);
      if (opts.averageAttnWeights ?? true) attn = attn.mean(1);
      if (!batched) attn = attn.squeeze(0);
    }
    if (!batched) out = out.squeeze(1);
    return [out, attn] as [Tensor, Tensor | null];
  });
}
