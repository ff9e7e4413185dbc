/**
 * nn.RNN, nn.LSTM, nn.GRU and their cells: PyTorch's parameter names (weight_ih_l0,
 * weight_hh_l0_reverse, weight_hr_l1, ...), shapes, registration order and initialisation
 * (every parameter U(-1/sqrt(hidden), 1/sqrt(hidden))). The maths is in F (functional/rnn.ts).
 */
import { full } from '../../ops/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import {
  gru,
  gruCell,
  lstm,
  lstmCell,
  type RnnLayerWeights,
  rnn,
  rnnReluCell,
  rnnTanhCell,
} from '../functional/rnn.js';
import { uniform_ } from '../init.js';
import { Module } from '../module.js';
import { checkOptions, forwardSignature } from '../validate.js';

/** Options of {@link RNN}, {@link LSTM} and {@link GRU}, with PyTorch's defaults. */
export interface RNNBaseOptions {
  /** Stacked layers (default 1); layer `k > 0` reads layer `k - 1`'s output. */
  numLayers?: number;
  /** Use the `bias_ih_l*` and `bias_hh_l*` parameters (default true). */
  bias?: boolean;
  /**
   * Input and output are `[N, L, features]` instead of `[L, N, features]` (default false; hidden states
   * stay `[layers * dirs, N, H]`).
   */
  batchFirst?: boolean;
  /** Dropout on each layer's output except the last, in training mode (default 0). */
  dropout?: number;
  /** Also run each layer backwards and concatenate both directions' features (default false). */
  bidirectional?: boolean;
}
/** Options of {@link RNN}. */
export interface RNNOptions extends RNNBaseOptions {
  /** `'tanh'` (default) or `'relu'`. */
  nonlinearity?: 'tanh' | 'relu';
}
/** Options of {@link LSTM}. */
export interface LSTMOptions extends RNNBaseOptions {
  /**
   * Project the hidden state to this size with `weight_hr_l*` (default 0: no projection); must be smaller
   * than hiddenSize.
   */
  projSize?: number;
}

const RNN_KEYS = ['numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional'] as const;

function checkSize(layer: string, what: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0)
    throw new RangeError(`${layer}: ${what} must be a positive integer, got ${v}`);
}

abstract class RNNBase extends Module {
  /** Features per input step. */
  readonly inputSize: number;
  /** Features of the hidden state. */
  readonly hiddenSize: number;
  /** Stacked layers. */
  readonly numLayers: number;
  /** Whether the layers have biases. */
  readonly bias: boolean;
  /** Whether input and output are batch first. */
  readonly batchFirst: boolean;
  /** Dropout between layers. */
  readonly dropout: number;
  /** Whether each layer also runs backwards. */
  readonly bidirectional: boolean;
  /** Projection size of an LSTM (0: none). */
  readonly projSize: number;
  /** Parameter names per layer-direction, layer-major (as PyTorch's _flat_weights_names). */
  private readonly weightNames: { wIh: string; wHh: string; bIh?: string; bHh?: string; wHr?: string }[] = [];

  constructor(gates: number, inputSize: number, hiddenSize: number, opts: LSTMOptions, layer: string) {
    super();
    checkSize(layer, 'inputSize', inputSize);
    checkSize(layer, 'hiddenSize', hiddenSize);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = opts.numLayers ?? 1;
    checkSize(layer, 'numLayers', this.numLayers);
    this.bias = opts.bias ?? true;
    this.batchFirst = opts.batchFirst ?? false;
    this.dropout = opts.dropout ?? 0;
    this.bidirectional = opts.bidirectional ?? false;
    this.projSize = opts.projSize ?? 0;
    if (!(this.dropout >= 0 && this.dropout <= 1)) {
      throw new RangeError(`${layer}: dropout should be a number in range [0, 1], got ${this.dropout}`);
    }
    if (this.projSize < 0 || !Number.isInteger(this.projSize)) {
      throw new RangeError(`${layer}: projSize should be a non-negative integer, got ${this.projSize}`);
    }
    if (this.projSize >= hiddenSize) {
      throw new RangeError(
        `${layer}: projSize has to be smaller than hiddenSize (${this.projSize} >= ${hiddenSize})`,
      );
    }
    const dirs = this.bidirectional ? 2 : 1;
    const realHidden = this.projSize > 0 ? this.projSize : hiddenSize;
    const k = 1 / Math.sqrt(hiddenSize);
    const param = (name: string, shape: number[]) => {
      const t = full(shape, 0);
      uniform_(t, -k, k);
      this.registerParameter(name, t);
      return name;
    };
    for (let l = 0; l < this.numLayers; l++) {
      const layerIn = l === 0 ? inputSize : realHidden * dirs;
      for (let d = 0; d < dirs; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const names: (typeof this.weightNames)[number] = {
          wIh: param(`weight_ih${sfx}`, [gates * hiddenSize, layerIn]),
          wHh: param(`weight_hh${sfx}`, [gates * hiddenSize, realHidden]),
        };
        if (this.bias) {
          names.bIh = param(`bias_ih${sfx}`, [gates * hiddenSize]);
          names.bHh = param(`bias_hh${sfx}`, [gates * hiddenSize]);
        }
        if (this.projSize > 0) names.wHr = param(`weight_hr${sfx}`, [this.projSize, hiddenSize]);
        this.weightNames.push(names);
      }
    }
  }

  /** Current tensors (functionalCall may have swapped any of them). */
  protected flatWeights(): RnnLayerWeights[] {
    const get = (n?: string) => (n ? ((this as unknown as Record<string, Tensor | null>)[n] ?? null) : null);
    return this.weightNames.map((n) => ({
      wIh: get(n.wIh)!,
      wHh: get(n.wHh)!,
      bIh: get(n.bIh),
      bHh: get(n.bHh),
      wHr: get(n.wHr),
    }));
  }

  protected fOptions() {
    return {
      bidirectional: this.bidirectional,
      batchFirst: this.batchFirst,
      dropout: this.dropout,
      training: this.training,
      name: this.name,
    };
  }

  override extraRepr(): string {
    const parts = [`${this.inputSize}, ${this.hiddenSize}`];
    if (this.projSize) parts.push(`projSize=${this.projSize}`);
    if (this.numLayers !== 1) parts.push(`numLayers=${this.numLayers}`);
    if (!this.bias) parts.push('bias=false');
    if (this.batchFirst) parts.push('batchFirst=true');
    if (this.dropout) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push('bidirectional=true');
    return parts.join(', ');
  }
}

/**
 * Elman RNN, `h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)` (or relu) per step (torch.nn.RNN).
 * `forward(input, h0?)` takes `[L, N, inputSize]` (batch first or unbatched `[L, inputSize]`)
 * and an optional `h0` `[numLayers * dirs, N, hiddenSize]` (zeros when omitted), and returns
 * `[output, hN]`: output `[L, N, dirs * hiddenSize]`, hN like h0. Parameters:
 * `weight_ih_l{k}`, `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}` (`_reverse` for the backward
 * direction).
 */
export class RNN extends RNNBase {
  static override signature = forwardSignature('input h0?');
  /** `'tanh'` or `'relu'`. */
  readonly nonlinearity: 'tanh' | 'relu';
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    checkOptions(new.target.name, opts, [...RNN_KEYS, 'nonlinearity']);
    const nl = opts.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu')
      throw new RangeError(`RNN: unknown nonlinearity '${nl}' (expected 'tanh' or 'relu')`);
    super(1, inputSize, hiddenSize, { ...opts, projSize: 0 }, 'RNN');
    this.nonlinearity = nl;
  }
  forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    return rnn(input, h0, this.flatWeights(), { ...this.fOptions(), nonlinearity: this.nonlinearity });
  }
}

/**
 * LSTM (torch.nn.LSTM), optionally projected (`projSize`). `forward(input, [h0, c0]?)` takes
 * `[L, N, inputSize]` (batch first or unbatched) and optional states `h0`
 * `[numLayers * dirs, N, projSize || hiddenSize]` and `c0` `[numLayers * dirs, N, hiddenSize]`,
 * and returns `[output, [hN, cN]]` with output `[L, N, dirs * (projSize || hiddenSize)]`.
 * Gates are ordered input, forget, cell, output in `weight_ih_l{k}` `[4 * hiddenSize, in]`, as PyTorch.
 *
 * @example
 * ```ts
 * const lstm = new nn.LSTM(8, 16, { numLayers: 2, batchFirst: true });
 * const [out, [h, c]] = lstm.forward(randn([4, 10, 8]));
 * out.shape; // [4, 10, 16]
 * h.shape;   // [2, 4, 16]
 * ```
 */
export class LSTM extends RNNBase {
  static override signature = forwardSignature('input hx?:pair');
  constructor(inputSize: number, hiddenSize: number, opts: LSTMOptions = {}) {
    checkOptions(new.target.name, opts, [...RNN_KEYS, 'projSize']);
    super(4, inputSize, hiddenSize, opts, 'LSTM');
  }
  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    return lstm(input, hx, this.flatWeights(), this.fOptions());
  }
}

/**
 * GRU (torch.nn.GRU). `forward(input, h0?)` takes `[L, N, inputSize]` (batch first or
 * unbatched) and returns `[output, hN]` as {@link RNN} does. Gates are ordered reset, update, new.
 */
export class GRU extends RNNBase {
  static override signature = forwardSignature('input h0?');
  constructor(inputSize: number, hiddenSize: number, opts: RNNBaseOptions = {}) {
    checkOptions(new.target.name, opts, RNN_KEYS);
    super(3, inputSize, hiddenSize, { ...opts, projSize: 0 }, 'GRU');
  }
  forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    return gru(input, h0, this.flatWeights(), this.fOptions());
  }
}

// ---- cells ------------------------------------------------------------------------------

abstract class RNNCellBase extends Module {
  static override signature = forwardSignature('input hx?');
  /** Input-to-hidden weights `[gates * hiddenSize, inputSize]`. */
  declare weight_ih: Tensor;
  /** Hidden-to-hidden weights `[gates * hiddenSize, hiddenSize]`. */
  declare weight_hh: Tensor;
  /** Input-to-hidden bias `[gates * hiddenSize]`, or null without bias. */
  declare bias_ih: Tensor | null;
  /** Hidden-to-hidden bias `[gates * hiddenSize]`, or null without bias. */
  declare bias_hh: Tensor | null;
  /** Features of the input. */
  readonly inputSize: number;
  /** Features of the hidden state. */
  readonly hiddenSize: number;
  /** Whether the cell has biases. */
  readonly bias: boolean;

  constructor(gates: number, inputSize: number, hiddenSize: number, bias: boolean, layer: string) {
    super();
    checkSize(layer, 'inputSize', inputSize);
    checkSize(layer, 'hiddenSize', hiddenSize);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bias = bias;
    const k = 1 / Math.sqrt(hiddenSize);
    const param = (shape: number[]) => uniform_(full(shape, 0), -k, k);
    this.registerParameter('weight_ih', param([gates * hiddenSize, inputSize]));
    this.registerParameter('weight_hh', param([gates * hiddenSize, hiddenSize]));
    this.registerParameter('bias_ih', bias ? param([gates * hiddenSize]) : null);
    this.registerParameter('bias_hh', bias ? param([gates * hiddenSize]) : null);
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias ? '' : ', bias=false'}`;
  }
}

/**
 * One Elman RNN step (torch.nn.RNNCell): `forward(x [N, inputSize], h? [N, hiddenSize])` returns h' `[N,
 * hiddenSize]` (unbatched 1-d inputs work too; h defaults to zeros).
 */
export class RNNCell extends RNNCellBase {
  /** `'tanh'` or `'relu'`. */
  readonly nonlinearity: 'tanh' | 'relu';
  constructor(
    inputSize: number,
    hiddenSize: number,
    opts: { bias?: boolean; nonlinearity?: 'tanh' | 'relu' } = {},
  ) {
    checkOptions(new.target.name, opts, ['bias', 'nonlinearity']);
    const nl = opts.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') {
      throw new RangeError(`RNNCell: unknown nonlinearity '${nl}' (expected 'tanh' or 'relu')`);
    }
    super(1, inputSize, hiddenSize, opts.bias ?? true, 'RNNCell');
    this.nonlinearity = nl;
  }
  forward(input: Tensor, hx?: Tensor | null): Tensor {
    const f = this.nonlinearity === 'relu' ? rnnReluCell : rnnTanhCell;
    return f(input, hx, this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh);
  }
}

/**
 * One LSTM step (torch.nn.LSTMCell): `forward(x [N, inputSize], [h, c]?)` returns `[h', c']`, each `[N,
 * hiddenSize]` (states default to zeros).
 */
export class LSTMCell extends RNNCellBase {
  /** Forward takes (input, hx?) where hx is the pair [h, c]. */
  static override signature = forwardSignature('input hx?:pair');
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean } = {}) {
    checkOptions(new.target.name, opts, ['bias']);
    super(4, inputSize, hiddenSize, opts.bias ?? true, 'LSTMCell');
  }
  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    return lstmCell(input, hx, this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh);
  }
}

/** One GRU step (torch.nn.GRUCell): `forward(x [N, inputSize], h?)` returns h' `[N, hiddenSize]`. */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean } = {}) {
    checkOptions(new.target.name, opts, ['bias']);
    super(3, inputSize, hiddenSize, opts.bias ?? true, 'GRUCell');
  }
  forward(input: Tensor, hx?: Tensor | null): Tensor {
    return gruCell(input, hx, this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh);
  }
}
