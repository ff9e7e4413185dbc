import { tidy } from '../../tensor/scope.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { gelu, relu } from '../functional/activation.js';
import { Module } from '../module.js';
import { checkOptions, forwardSignature } from '../validate.js';
import { MultiheadAttention } from './attention.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { LayerNorm } from './norm.js';

/**
 * Activation of a transformer layer's feed-forward block: `'relu'` (default), `'gelu'`, a function, or a
 * module (registered as `activation`).
 */
export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor) | Module;

/**
 * Options of {@link TransformerEncoderLayer} and {@link TransformerDecoderLayer}, with PyTorch's defaults.
 */
export interface TransformerLayerOptions {
  /** Hidden size of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout probability after attention and in the feed-forward block (default 0.1). */
  dropout?: number;
  /** Feed-forward activation (default `'relu'`). */
  activation?: TransformerActivation;
  /** Epsilon of the LayerNorms (default 1e-5). */
  layerNormEps?: number;
  /** Inputs are `[N, S, E]` instead of `[S, N, E]` (default false). */
  batchFirst?: boolean;
  /** Pre-norm: LayerNorm before attention and feed-forward instead of after (default false). */
  normFirst?: boolean;
  /** Biases in the Linear, attention and LayerNorm sublayers (PyTorch 2.1's `bias`). */
  bias?: boolean;
}

export const LAYER_KEYS = [
  'dimFeedforward',
  'dropout',
  'activation',
  'layerNormEps',
  'batchFirst',
  'normFirst',
  'bias',
];
export const DECODER_FORWARD_KEYS = [
  'tgtMask',
  'memoryMask',
  'tgtKeyPaddingMask',
  'memoryKeyPaddingMask',
  'tgtIsCausal',
  'memoryIsCausal',
];

/** Something TransformerEncoder/Decoder can deep-copy. */
export interface Cloneable {
  clone(): Module;
}

function resolveActivation(owner: Module, a: TransformerActivation | undefined): (x: Tensor) => Tensor {
  if (a === undefined || a === 'relu') return (x) => relu(x);
  if (a === 'gelu') return (x) => gelu(x);
  if (a instanceof Module) {
    owner.registerModule('activation', a);
    return (x) => a.forward(x);
  }
  if (typeof a === 'function') return a;
  throw new RangeError(`${owner.name}: activation should be 'relu', 'gelu' or a function, not ${String(a)}`);
}

/** Copy parameters and buffers of `src` into a fresh `dst` of the same structure. */
function copyInto<M extends Module>(dst: M, src: Module): M {
  dst.loadStateDict(src.stateDict());
  dst.train(src.training);
  return dst;
}

abstract class TransformerLayerBase extends Module implements Cloneable {
  /** Feature size `E` of inputs and outputs. */
  readonly dModel: number;
  /** Number of attention heads. */
  readonly nhead: number;
  /** Whether LayerNorm comes before each block (pre-norm). */
  readonly normFirst: boolean;
  /** Whether inputs are `[N, S, E]`. */
  readonly batchFirst: boolean;
  protected readonly ctorOpts: TransformerLayerOptions;
  protected activationFn: (x: Tensor) => Tensor = (x) => x;

  constructor(dModel: number, nhead: number, opts: TransformerLayerOptions) {
    super();
    checkOptions(this.name, opts, LAYER_KEYS);
    this.dModel = dModel;
    this.nhead = nhead;
    this.normFirst = opts.normFirst ?? false;
    this.batchFirst = opts.batchFirst ?? false;
    this.ctorOpts = { ...opts };
  }

  protected selfAttention(
    x: Tensor,
    attn: MultiheadAttention,
    mask: Tensor | null | undefined,
    kpm: Tensor | null | undefined,
    isCausal: boolean,
  ): Tensor {
    return attn.forward(x, x, x, { attnMask: mask, keyPaddingMask: kpm, needWeights: false, isCausal })[0];
  }

  protected feedForward(x: Tensor, dropoutOut: Module): Tensor {
    const l1 = this.linear1 as Linear;
    const l2 = this.linear2 as Linear;
    const drop = this.dropout as Dropout;
    return dropoutOut.forward(l2.forward(drop.forward(this.activationFn(l1.forward(x)))));
  }

  /** First feed-forward projection, `dModel -> dimFeedforward`. */
  declare linear1: Linear;
  /** Second feed-forward projection, `dimFeedforward -> dModel`. */
  declare linear2: Linear;
  /** Dropout inside the feed-forward block. */
  declare dropout: Dropout;

  /** A deep copy: same constructor arguments, same parameter values, same mode. */
  clone(): this {
    const Ctor = this.constructor as new (d: number, n: number, o: TransformerLayerOptions) => this;
    return copyInto(new Ctor(this.dModel, this.nhead, this.ctorOpts), this);
  }

  protected checkInput(x: Tensor, what: string): void {
    if (x.ndim !== 2 && x.ndim !== 3) {
      throw new RangeError(
        `${this.name} expected a 2-D (unbatched) or 3-D (batched) ${what}, got ${x.ndim}-D ${what} of shape ${fmtShape(x.shape)}`,
      );
    }
    if (x.shape[x.ndim - 1] !== this.dModel) {
      throw new RangeError(
        `${this.name} expected ${what} with ${this.dModel} features (dModel), got ${x.shape[x.ndim - 1]} (${what} shape ${fmtShape(x.shape)})`,
      );
    }
  }

  override extraRepr(): string {
    return `dModel=${this.dModel}, nhead=${this.nhead}${this.normFirst ? ', normFirst=true' : ''}${this.batchFirst ? ', batchFirst=true' : ''}`;
  }
}

function buildCommon(
  self: TransformerLayerBase,
  dModel: number,
  opts: TransformerLayerOptions,
  attnNames: string[],
  norms: number,
): void {
  const ff = opts.dimFeedforward ?? 2048;
  const p = opts.dropout ?? 0.1;
  const bias = opts.bias ?? true;
  const eps = opts.layerNormEps ?? 1e-5;
  for (const n of attnNames) {
    self.registerModule(
      n,
      new MultiheadAttention(dModel, self.nhead, { dropout: p, bias, batchFirst: self.batchFirst }),
    );
  }
  self.registerModule('linear1', new Linear(dModel, ff, { bias }));
  self.registerModule('dropout', new Dropout({ p }));
  self.registerModule('linear2', new Linear(ff, dModel, { bias }));
  for (let i = 1; i <= norms; i++) self.registerModule(`norm${i}`, new LayerNorm(dModel, { eps, bias }));
  for (let i = 1; i <= norms; i++) self.registerModule(`dropout${i}`, new Dropout({ p }));
}

/** Masks of {@link TransformerEncoderLayer.forward}. */
export interface EncoderLayerForwardOptions {
  /** [L, L] or [N*nhead, L, L]; bool true = not allowed; float: added. */
  srcMask?: Tensor | null;
  /** [N, L]; bool true = padding. */
  srcKeyPaddingMask?: Tensor | null;
  /** A causal mask applies (srcMask, if given, is trusted to be it). */
  isCausal?: boolean;
}

/**
 * Self-attention then a feed-forward block, each with dropout, a residual connection and
 * LayerNorm (torch.nn.TransformerEncoderLayer, same submodule names and state-dict keys).
 * Throws when `dModel` is not divisible by `nhead`.
 */
export class TransformerEncoderLayer extends TransformerLayerBase {
  static override signature = forwardSignature('src', ['srcMask', 'srcKeyPaddingMask', 'isCausal']);
  /** Self-attention (PyTorch's name, so state dicts interchange). */
  declare self_attn: MultiheadAttention;
  /** LayerNorm of the attention block. */
  declare norm1: LayerNorm;
  /** LayerNorm of the feed-forward block. */
  declare norm2: LayerNorm;
  /** Dropout after attention. */
  declare dropout1: Dropout;
  /** Dropout after the feed-forward block. */
  declare dropout2: Dropout;

  constructor(dModel: number, nhead: number, opts: TransformerLayerOptions = {}) {
    super(dModel, nhead, opts);
    buildCommon(this, dModel, opts, ['self_attn'], 2);
    this.activationFn = resolveActivation(this, opts.activation);
  }

  /**
   * `src` `[S, N, E]` (`[N, S, E]` with batchFirst, or unbatched `[S, E]`) to the same shape.
   * Throws when the feature size is not `dModel`.
   */
  forward(src: Tensor, opts: EncoderLayerForwardOptions = {}): Tensor {
    this.checkInput(src, 'src');
    const sa = (x: Tensor) =>
      this.dropout1.forward(
        this.selfAttention(x, this.self_attn, opts.srcMask, opts.srcKeyPaddingMask, opts.isCausal ?? false),
      );
    return tidy(() => {
      let x = src;
      if (this.normFirst) {
        x = x.add(sa(this.norm1.forward(x)));
        x = x.add(this.feedForward(this.norm2.forward(x), this.dropout2));
      } else {
        x = this.norm1.forward(x.add(sa(x)));
        x = this.norm2.forward(x.add(this.feedForward(x, this.dropout2)));
      }
      return x;
    });
  }
}

/**
 * Masks of {@link TransformerDecoderLayer.forward} and {@link TransformerDecoder.forward}; same conventions
 * as {@link EncoderLayerForwardOptions}.
 */
export interface DecoderLayerForwardOptions {
  /** Self-attention mask `[T, T]` (bool true = not allowed; float: added to the scores). */
  tgtMask?: Tensor | null;
  /** Cross-attention mask `[T, S]`. */
  memoryMask?: Tensor | null;
  /** `[N, T]`, bool true where tgt is padding. */
  tgtKeyPaddingMask?: Tensor | null;
  /** `[N, S]`, bool true where memory is padding. */
  memoryKeyPaddingMask?: Tensor | null;
  /** A causal mask applies to the self-attention (tgtMask, if given, is trusted to be it). */
  tgtIsCausal?: boolean;
  /** A causal mask applies to the cross-attention. */
  memoryIsCausal?: boolean;
}

/**
 * Self-attention, cross-attention over the encoder output, then a feed-forward block, each with
 * dropout, a residual connection and LayerNorm (torch.nn.TransformerDecoderLayer, same names).
 */
export class TransformerDecoderLayer extends TransformerLayerBase {
  static override signature = forwardSignature('tgt memory', DECODER_FORWARD_KEYS);
  /** Self-attention over the target. */
  declare self_attn: MultiheadAttention;
  /** Cross-attention from the target to the encoder output (`memory`). */
  declare multihead_attn: MultiheadAttention;
  /** LayerNorm of the self-attention block. */
  declare norm1: LayerNorm;
  /** LayerNorm of the cross-attention block. */
  declare norm2: LayerNorm;
  /** LayerNorm of the feed-forward block. */
  declare norm3: LayerNorm;
  /** Dropout after self-attention. */
  declare dropout1: Dropout;
  /** Dropout after cross-attention. */
  declare dropout2: Dropout;
  /** Dropout after the feed-forward block. */
  declare dropout3: Dropout;

  constructor(dModel: number, nhead: number, opts: TransformerLayerOptions = {}) {
    super(dModel, nhead, opts);
    buildCommon(this, dModel, opts, ['self_attn', 'multihead_attn'], 3);
    this.activationFn = resolveActivation(this, opts.activation);
  }

  /**
   * `tgt` `[T, N, E]` attending to the encoder output `memory` `[S, N, E]` (batch first or
   * unbatched as configured); returns tgt's shape.
   */
  forward(tgt: Tensor, memory: Tensor, opts: DecoderLayerForwardOptions = {}): Tensor {
    this.checkInput(tgt, 'tgt');
    this.checkInput(memory, 'memory');
    const sa = (x: Tensor) =>
      this.dropout1.forward(
        this.selfAttention(
          x,
          this.self_attn,
          opts.tgtMask,
          opts.tgtKeyPaddingMask,
          opts.tgtIsCausal ?? false,
        ),
      );
    const ca = (x: Tensor) =>
      this.dropout2.forward(
        this.multihead_attn.forward(x, memory, memory, {
          attnMask: opts.memoryMask,
          keyPaddingMask: opts.memoryKeyPaddingMask,
          needWeights: false,
          isCausal: opts.memoryIsCausal ?? false,
        })[0],
      );
    return tidy(() => {
      let x = tgt;
      if (this.normFirst) {
        x = x.add(sa(this.norm1.forward(x)));
        x = x.add(ca(this.norm2.forward(x)));
        x = x.add(this.feedForward(this.norm3.forward(x), this.dropout3));
      } else {
        x = this.norm1.forward(x.add(sa(x)));
        x = this.norm2.forward(x.add(ca(x)));
        x = this.norm3.forward(x.add(this.feedForward(x, this.dropout3)));
      }
      return x;
    });
  }
}
