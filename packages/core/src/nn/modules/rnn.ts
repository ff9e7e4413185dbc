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

export interface RNNBaseOptions {
  numLayers?: number;
  bias?: boolean;
  batchFirst?: boolean;
  dropout?: number;
  bidirectional?: boolean;
}
export interface RNNOptions extends RNNBaseOptions {
  nonlinearity?: 'tanh' | 'relu';
}
export interface LSTMOptions extends RNNBaseOptions {
  projSize?: number;
}

const RNN_KEYS = ['numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional'] as const;

function checkSize(layer: string, what: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0)
    throw new RangeError(`${layer}: ${what} must be a positive integer, got ${v}`);
}

abstract class RNNBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
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

/** Elman RNN with tanh or relu. forward(x, h0?) returns [output, hN]. */
export class RNN extends RNNBase {
  static override signature = forwardSignature('input h0?');
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

/** LSTM (optionally projected). forward(x, [h0, c0]?) returns [output, [hN, cN]]. */
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

/** GRU. forward(x, h0?) returns [output, hN]. */
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
  declare weight_ih: Tensor;
  declare weight_hh: Tensor;
  declare bias_ih: Tensor | null;
  declare bias_hh: Tensor | null;
  readonly inputSize: number;
  readonly hiddenSize: number;
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

/** One Elman RNN step. forward(x, h?) returns h'. */
export class RNNCell extends RNNCellBase {
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

/** One LSTM step. forward(x, [h, c]?) returns [h', c']. */
export class LSTMCell extends RNNCellBase {
  static override signature = forwardSignature('input hx?:pair');
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean } = {}) {
    checkOptions(new.target.name, opts, ['bias']);
    super(4, inputSize, hiddenSize, opts.bias ?? true, 'LSTMCell');
  }
  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    return lstmCell(input, hx, this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh);
  }
}

/** One GRU step. forward(x, h?) returns h'. */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean } = {}) {
    checkOptions(new.target.name, opts, ['bias']);
    super(3, inputSize, hiddenSize, opts.bias ?? true, 'GRUCell');
  }
  forward(input: Tensor, hx?: Tensor | null): Tensor {
    return gruCell(input, hx, this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh);
  }
}
