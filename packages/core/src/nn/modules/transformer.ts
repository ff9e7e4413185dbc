/**
 * nn.TransformerEncoder / Decoder and Transformer, with PyTorch's submodule names (layers.N,
 * encoder.norm, decoder.norm, ...) so state dicts interchange; the layers are in
 * transformer-layer.ts.
 *
 * PyTorch's TransformerEncoder deep-copies the layer it is given numLayers times; here every
 * layer class has clone(): a new instance built with the same arguments, then the
 * parameters copied, so all copies start identical as in PyTorch.
 */
import { arange, full } from '../../ops/creation.js';
import { tidy } from '../../tensor/scope.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { ModuleList } from '../containers.js';
import { xavierUniform_ } from '../init.js';
import { Module } from '../module.js';
import { checkOptions, forwardSignature } from '../validate.js';
import { LayerNorm } from './norm.js';
import {
  type Cloneable,
  DECODER_FORWARD_KEYS,
  type DecoderLayerForwardOptions,
  LAYER_KEYS,
  type TransformerActivation,
  TransformerDecoderLayer,
  TransformerEncoderLayer,
  type TransformerLayerOptions,
} from './transformer-layer.js';

export {
  type DecoderLayerForwardOptions,
  type EncoderLayerForwardOptions,
  type TransformerActivation,
  TransformerDecoderLayer,
  TransformerEncoderLayer,
  type TransformerLayerOptions,
} from './transformer-layer.js';

function cloneLayer(owner: string, layer: Module): Module {
  const c = (layer as Partial<Cloneable>).clone;
  if (typeof c !== 'function') {
    throw new TypeError(
      `${owner}: cannot deep-copy ${layer.name}; give it a clone() method returning an independent copy`,
    );
  }
  return c.call(layer);
}

/** Masks of {@link TransformerEncoder.forward}. */
export interface TransformerEncoderForwardOptions {
  /** Attention mask `[S, S]` or `[N * nhead, S, S]` (bool true = not allowed; float: added). */
  mask?: Tensor | null;
  /** `[N, S]`, bool true where src is padding. */
  srcKeyPaddingMask?: Tensor | null;
  /** A causal mask applies (mask, if given, is trusted to be it). */
  isCausal?: boolean;
}

/**
 * `numLayers` deep copies of `encoderLayer` (`layers.0`, ...), then an optional `norm`
 * (torch.nn.TransformerEncoder). All copies start with the same parameters, as PyTorch's
 * deep copy does. `enableNestedTensor` and `maskCheck` are accepted for compatibility and ignored.
 *
 * @example
 * ```ts
 * const layer = new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64, batchFirst: true });
 * const encoder = new nn.TransformerEncoder(layer, 2);
 * const mask = nn.Transformer.generateSquareSubsequentMask(10);
 * encoder.forward(randn([8, 10, 32]), { mask, isCausal: true }).shape; // [8, 10, 32]
 * ```
 */
export class TransformerEncoder extends Module {
  static override signature = forwardSignature('src', ['mask', 'srcKeyPaddingMask', 'isCausal']);
  /** The layer copies. */
  declare layers: ModuleList<TransformerEncoderLayer>;
  /** Final normalisation, or null. */
  declare norm: Module | null;
  /** Number of layers. */
  readonly numLayers: number;

  constructor(
    encoderLayer: TransformerEncoderLayer | Module,
    numLayers: number,
    opts: { norm?: Module | null; enableNestedTensor?: boolean; maskCheck?: boolean } = {},
  ) {
    super();
    checkOptions(this.name, opts, ['norm', 'enableNestedTensor', 'maskCheck']);
    if (!Number.isInteger(numLayers) || numLayers < 0) {
      throw new RangeError(`TransformerEncoder: numLayers must be a non-negative integer, got ${numLayers}`);
    }
    this.numLayers = numLayers;
    const layers = Array.from({ length: numLayers }, () => cloneLayer('TransformerEncoder', encoderLayer));
    this.registerModule('layers', new ModuleList(layers as TransformerEncoderLayer[]));
    this.registerModule('norm', opts.norm ?? null);
  }

  /** Run `src` through every layer, then `norm`; returns src's shape. */
  forward(src: Tensor, opts: TransformerEncoderForwardOptions = {}): Tensor {
    return tidy(() => {
      let x = src;
      for (const layer of this.layers) {
        x = layer.forward(x, {
          srcMask: opts.mask,
          srcKeyPaddingMask: opts.srcKeyPaddingMask,
          isCausal: opts.isCausal,
        });
      }
      return this.norm ? (this.norm.forward(x) as Tensor) : x;
    });
  }
}

/** Masks of {@link TransformerDecoder.forward}. */
export interface TransformerDecoderForwardOptions extends DecoderLayerForwardOptions {}

/** numLayers deep copies of decoderLayer (`layers.0`, ...), then an optional `norm`. */
export class TransformerDecoder extends Module {
  static override signature = forwardSignature('tgt memory', DECODER_FORWARD_KEYS);
  /** The layer copies. */
  declare layers: ModuleList<TransformerDecoderLayer>;
  /** Final normalisation, or null. */
  declare norm: Module | null;
  /** Number of layers. */
  readonly numLayers: number;

  constructor(
    decoderLayer: TransformerDecoderLayer | Module,
    numLayers: number,
    opts: { norm?: Module | null } = {},
  ) {
    super();
    checkOptions(this.name, opts, ['norm']);
    if (!Number.isInteger(numLayers) || numLayers < 0) {
      throw new RangeError(`TransformerDecoder: numLayers must be a non-negative integer, got ${numLayers}`);
    }
    this.numLayers = numLayers;
    const layers = Array.from({ length: numLayers }, () => cloneLayer('TransformerDecoder', decoderLayer));
    this.registerModule('layers', new ModuleList(layers as TransformerDecoderLayer[]));
    this.registerModule('norm', opts.norm ?? null);
  }

  /** Run `tgt` through every layer, each attending to `memory`, then `norm`; returns tgt's shape. */
  forward(tgt: Tensor, memory: Tensor, opts: TransformerDecoderForwardOptions = {}): Tensor {
    return tidy(() => {
      let x = tgt;
      for (const layer of this.layers) x = layer.forward(x, memory, opts);
      return this.norm ? (this.norm.forward(x) as Tensor) : x;
    });
  }
}

/** Options of {@link Transformer}, with PyTorch's defaults. */
export interface TransformerOptions {
  /** Feature size (default 512). */
  dModel?: number;
  /** Attention heads (default 8). */
  nhead?: number;
  /** Encoder layers (default 6). */
  numEncoderLayers?: number;
  /** Decoder layers (default 6). */
  numDecoderLayers?: number;
  /** Feed-forward hidden size (default 2048). */
  dimFeedforward?: number;
  /** Dropout probability (default 0.1). */
  dropout?: number;
  /** Feed-forward activation (default `'relu'`). */
  activation?: TransformerActivation;
  /** Use this encoder instead of building one. */
  customEncoder?: Module | null;
  /** Use this decoder instead of building one. */
  customDecoder?: Module | null;
  /** LayerNorm epsilon (default 1e-5). */
  layerNormEps?: number;
  /** Inputs are `[N, S, E]` (default false). */
  batchFirst?: boolean;
  /** Pre-norm layers (default false). */
  normFirst?: boolean;
  /** Biases in the Linear, attention and LayerNorm sublayers (default true). */
  bias?: boolean;
}

/**
 * Masks of {@link Transformer.forward}: the encoder's (`src*`), the decoder's self-attention (`tgt*`) and
 * its cross-attention (`memory*`).
 */
export interface TransformerForwardOptions {
  /** Encoder self-attention mask `[S, S]`. */
  srcMask?: Tensor | null;
  /** Decoder self-attention mask `[T, T]`. */
  tgtMask?: Tensor | null;
  /** Cross-attention mask `[T, S]`. */
  memoryMask?: Tensor | null;
  /** `[N, S]`, bool true where src is padding. */
  srcKeyPaddingMask?: Tensor | null;
  /** `[N, T]`, bool true where tgt is padding. */
  tgtKeyPaddingMask?: Tensor | null;
  /** `[N, S]`, bool true where memory is padding. */
  memoryKeyPaddingMask?: Tensor | null;
  /** A causal mask applies in the encoder. */
  srcIsCausal?: boolean;
  /** A causal mask applies in the decoder's self-attention. */
  tgtIsCausal?: boolean;
  /** A causal mask applies in the cross-attention. */
  memoryIsCausal?: boolean;
}

/** The encoder-decoder model of "Attention Is All You Need", as torch.nn.Transformer. */
export class Transformer extends Module {
  static override signature = forwardSignature('src tgt', [
    'srcMask',
    'srcKeyPaddingMask',
    'srcIsCausal',
    ...DECODER_FORWARD_KEYS,
  ]);
  /** The encoder (a {@link TransformerEncoder} unless `customEncoder`). */
  declare encoder: Module;
  /** The decoder (a {@link TransformerDecoder} unless `customDecoder`). */
  declare decoder: Module;
  /** Feature size. */
  readonly dModel: number;
  /** Attention heads. */
  readonly nhead: number;
  /** Whether inputs are batch first. */
  readonly batchFirst: boolean;

  constructor(opts: TransformerOptions = {}) {
    super();
    checkOptions(this.name, opts, [
      'dModel',
      'nhead',
      'numEncoderLayers',
      'numDecoderLayers',
      'customEncoder',
      'customDecoder',
      ...LAYER_KEYS,
    ]);
    this.dModel = opts.dModel ?? 512;
    this.nhead = opts.nhead ?? 8;
    this.batchFirst = opts.batchFirst ?? false;
    const layerOpts: TransformerLayerOptions = {
      dimFeedforward: opts.dimFeedforward ?? 2048,
      dropout: opts.dropout ?? 0.1,
      activation: opts.activation ?? 'relu',
      layerNormEps: opts.layerNormEps ?? 1e-5,
      batchFirst: this.batchFirst,
      normFirst: opts.normFirst ?? false,
      bias: opts.bias ?? true,
    };
    const norm = () => new LayerNorm(this.dModel, { eps: layerOpts.layerNormEps, bias: layerOpts.bias });
    this.registerModule(
      'encoder',
      opts.customEncoder ??
        new TransformerEncoder(
          new TransformerEncoderLayer(this.dModel, this.nhead, layerOpts),
          opts.numEncoderLayers ?? 6,
          { norm: norm() },
        ),
    );
    this.registerModule(
      'decoder',
      opts.customDecoder ??
        new TransformerDecoder(
          new TransformerDecoderLayer(this.dModel, this.nhead, layerOpts),
          opts.numDecoderLayers ?? 6,
          { norm: norm() },
        ),
    );
    this.resetParameters();
  }

  /** PyTorch's _reset_parameters: xavier_uniform_ on every parameter with more than one dimension. */
  resetParameters(): void {
    for (const p of this.parameters()) if (p.ndim > 1) xavierUniform_(p);
  }

  /**
   * src [S, N, E] and tgt [T, N, E] ([N, S, E] / [N, T, E] with batchFirst, or unbatched
   * [S, E] / [T, E]); returns [T, N, E] like tgt.
   */
  forward(src: Tensor, tgt: Tensor, opts: TransformerForwardOptions = {}): Tensor {
    const batched = src.ndim === 3;
    if (batched && tgt.ndim === 3) {
      const bd = this.batchFirst ? 0 : 1;
      if (src.shape[bd] !== tgt.shape[bd]) {
        throw new RangeError(
          `Transformer: the batch number of src and tgt must be equal, got src ${fmtShape(src.shape)} and tgt ${fmtShape(tgt.shape)}`,
        );
      }
    }
    if (src.shape[src.ndim - 1] !== this.dModel || tgt.shape[tgt.ndim - 1] !== this.dModel) {
      throw new RangeError(
        `Transformer: the feature number of src and tgt must be equal to dModel (${this.dModel}), got src ${fmtShape(src.shape)} and tgt ${fmtShape(tgt.shape)}`,
      );
    }
    return tidy(() => {
      const memory = this.encoder.forward(src, {
        mask: opts.srcMask,
        srcKeyPaddingMask: opts.srcKeyPaddingMask,
        isCausal: opts.srcIsCausal,
      }) as Tensor;
      return this.decoder.forward(tgt, memory, {
        tgtMask: opts.tgtMask,
        memoryMask: opts.memoryMask,
        tgtKeyPaddingMask: opts.tgtKeyPaddingMask,
        memoryKeyPaddingMask: opts.memoryKeyPaddingMask,
        tgtIsCausal: opts.tgtIsCausal,
        memoryIsCausal: opts.memoryIsCausal,
      }) as Tensor;
    });
  }

  /** A float [n, n] mask with -inf above the diagonal and 0 elsewhere. */
  static generateSquareSubsequentMask(n: number, opts: { backend?: Tensor['backend'] } = {}): Tensor {
    return tidy(() => {
      const o = opts.backend ? { backend: opts.backend } : {};
      const above = arange(0, n, 1, o)
        .unsqueeze(1)
        .lt(arange(0, n, 1, o).unsqueeze(0));
      return full([n, n], 0, o).maskedFill(above, Number.NEGATIVE_INFINITY);
    });
  }
}
