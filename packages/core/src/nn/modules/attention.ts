/**
 * nn.MultiheadAttention with PyTorch's parameters (in_proj_weight / in_proj_bias, or
 * q_proj_weight, k_proj_weight, v_proj_weight when kdim or vdim differ from embedDim;
 * bias_k / bias_v; the `out_proj` Linear), initialisation and mask conventions
 * (bool: true = masked out; float: added). The maths is F.multiHeadAttentionForward.
 */
import { full } from '../../ops/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { multiHeadAttentionForward } from '../functional/attention.js';
import { constant_, xavierNormal_, xavierUniform_ } from '../init.js';
import { Module } from '../module.js';
import { checkOptions, forwardSignature } from '../validate.js';
import { Linear } from './linear.js';

/** Options of {@link MultiheadAttention}, with PyTorch's defaults. */
export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights in training mode (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Learn `bias_k` and `bias_v`, appended to the keys and values as one extra position (default false). */
  addBiasKv?: boolean;
  /** Append a zero key and value position (default false). */
  addZeroAttn?: boolean;
  /** Key feature size (default embedDim); differing sizes use separate q/k/v projection weights. */
  kdim?: number | null;
  /** Value feature size (default embedDim). */
  vdim?: number | null;
  /** Inputs are `[N, L, E]` instead of `[L, N, E]` (default false). */
  batchFirst?: boolean;
}

/** Options of {@link MultiheadAttention.forward}. */
export interface MultiheadAttentionForwardOptions {
  /** [N, S] ([S] unbatched); bool true = ignore that key; float: added. */
  keyPaddingMask?: Tensor | null;
  /** Also return the attention weights (default true). */
  needWeights?: boolean;
  /** [L, S] or [N*numHeads, L, S]; bool true = not allowed; float: added. */
  attnMask?: Tensor | null;
  /** Average the returned weights over heads (default true). */
  averageAttnWeights?: boolean;
  /** Hint that attnMask is causal (the mask is still required, as PyTorch). */
  isCausal?: boolean;
}

/**
 * Multi-head attention (torch.nn.MultiheadAttention): `softmax(Q K^T / sqrt(headDim)) V` per
 * head, with PyTorch's parameters, initialisation and mask conventions (bool true = masked
 * out; float: added). Throws unless numHeads divides embedDim.
 *
 * @example
 * ```ts
 * const mha = new nn.MultiheadAttention(32, 4, { batchFirst: true });
 * const x = randn([2, 10, 32]);
 * const [out, weights] = mha.forward(x, x, x); // out [2, 10, 32], weights [2, 10, 10]
 * ```
 */
export class MultiheadAttention extends Module {
  static override signature = forwardSignature('query key value', [
    'keyPaddingMask',
    'needWeights',
    'attnMask',
    'averageAttnWeights',
    'isCausal',
  ]);
  /** Packed q/k/v projection `[3 * embedDim, embedDim]`, or null when kdim or vdim differ. */
  declare in_proj_weight: Tensor | null;
  /** Query projection `[embedDim, embedDim]` when kdim or vdim differ, else null. */
  declare q_proj_weight: Tensor | null;
  /** Key projection `[embedDim, kdim]` when kdim or vdim differ, else null. */
  declare k_proj_weight: Tensor | null;
  /** Value projection `[embedDim, vdim]` when kdim or vdim differ, else null. */
  declare v_proj_weight: Tensor | null;
  /** Packed q/k/v bias `[3 * embedDim]`, or null without bias. */
  declare in_proj_bias: Tensor | null;
  /** Extra key `[1, 1, embedDim]` with addBiasKv, else null. */
  declare bias_k: Tensor | null;
  /** Extra value `[1, 1, embedDim]` with addBiasKv, else null. */
  declare bias_v: Tensor | null;
  /** Output projection `embedDim -> embedDim`. */
  declare out_proj: Linear;
  /** Feature size `E` of queries and outputs. */
  readonly embedDim: number;
  /** Number of heads. */
  readonly numHeads: number;
  /** Key feature size. */
  readonly kdim: number;
  /** Value feature size. */
  readonly vdim: number;
  /** Dropout on attention weights. */
  readonly dropout: number;
  /** Whether inputs are batch first. */
  readonly batchFirst: boolean;
  /** Whether a zero key/value position is appended. */
  readonly addZeroAttn: boolean;
  /** `embedDim / numHeads`. */
  readonly headDim: number;

  constructor(embedDim: number, numHeads: number, opts: MultiheadAttentionOptions = {}) {
    super();
    checkOptions(this.name, opts, [
      'dropout',
      'bias',
      'addBiasKv',
      'addZeroAttn',
      'kdim',
      'vdim',
      'batchFirst',
    ]);
    if (!Number.isInteger(embedDim) || embedDim <= 0 || !Number.isInteger(numHeads) || numHeads <= 0) {
      throw new RangeError(
        `MultiheadAttention: embedDim and numHeads must be positive integers, got embedDim=${embedDim} and numHeads=${numHeads}`,
      );
    }
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.kdim = opts.kdim ?? embedDim;
    this.vdim = opts.vdim ?? embedDim;
    this.dropout = opts.dropout ?? 0;
    this.batchFirst = opts.batchFirst ?? false;
    this.addZeroAttn = opts.addZeroAttn ?? false;
    this.headDim = Math.floor(embedDim / numHeads);
    if (this.headDim * numHeads !== embedDim) {
      throw new RangeError(
        `MultiheadAttention: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`,
      );
    }
    const bias = opts.bias ?? true;
    const E = embedDim;
    if (this.kdim === E && this.vdim === E) {
      this.registerParameter('in_proj_weight', full([3 * E, E], 0));
      this.registerParameter('q_proj_weight', null);
      this.registerParameter('k_proj_weight', null);
      this.registerParameter('v_proj_weight', null);
    } else {
      this.registerParameter('q_proj_weight', full([E, E], 0));
      this.registerParameter('k_proj_weight', full([E, this.kdim], 0));
      this.registerParameter('v_proj_weight', full([E, this.vdim], 0));
      this.registerParameter('in_proj_weight', null);
    }
    this.registerParameter('in_proj_bias', bias ? full([3 * E], 0) : null);
    this.registerModule('out_proj', new Linear(E, E, { bias }));
    const addBiasKv = opts.addBiasKv ?? false;
    this.registerParameter('bias_k', addBiasKv ? full([1, 1, E], 0) : null);
    this.registerParameter('bias_v', addBiasKv ? full([1, 1, E], 0) : null);
    this.resetParameters();
  }

  /** PyTorch's _reset_parameters: xavier_uniform_ projections, zero biases, xavier_normal_ bias_k/v. */
  resetParameters(): void {
    if (this.in_proj_weight) xavierUniform_(this.in_proj_weight);
    else {
      xavierUniform_(this.q_proj_weight!);
      xavierUniform_(this.k_proj_weight!);
      xavierUniform_(this.v_proj_weight!);
    }
    if (this.in_proj_bias) {
      constant_(this.in_proj_bias, 0);
      if (this.out_proj.bias) constant_(this.out_proj.bias, 0);
    }
    if (this.bias_k) xavierNormal_(this.bias_k);
    if (this.bias_v) xavierNormal_(this.bias_v);
  }

  /**
   * query [L, N, E] ([N, L, E] with batchFirst, [L, E] unbatched), key [S, N, kdim], value
   * [S, N, vdim]. Returns [output like query, weights [N, L, S] (or [N, numHeads, L, S]
   * without averaging) or null when needWeights is false].
   */
  forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    opts: MultiheadAttentionForwardOptions = {},
  ): [Tensor, Tensor | null] {
    const batched = query.ndim === 3;
    const flip = this.batchFirst && batched;
    // Keep query === key === value identity through the transpose (one packed projection).
    const q = flip ? query.transpose(0, 1) : query;
    const k = flip ? (key === query ? q : key.transpose(0, 1)) : key;
    const v = flip ? (value === query ? q : value === key ? k : value.transpose(0, 1)) : value;
    const [out, weights] = multiHeadAttentionForward(
      q,
      k,
      v,
      this.numHeads,
      {
        inProjWeight: this.in_proj_weight,
        inProjBias: this.in_proj_bias,
        qProjWeight: this.q_proj_weight,
        kProjWeight: this.k_proj_weight,
        vProjWeight: this.v_proj_weight,
        biasK: this.bias_k,
        biasV: this.bias_v,
        outProjWeight: this.out_proj.weight,
        outProjBias: this.out_proj.bias,
      },
      {
        keyPaddingMask: opts.keyPaddingMask,
        needWeights: opts.needWeights ?? true,
        attnMask: opts.attnMask,
        averageAttnWeights: opts.averageAttnWeights ?? true,
        isCausal: opts.isCausal ?? false,
        addZeroAttn: this.addZeroAttn,
        dropoutP: this.dropout,
        training: this.training,
        name: this.name,
      },
    );
    return [flip ? out.transpose(0, 1) : out, weights];
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}`;
  }
}
