/** nn.Identity, nn.Linear, nn.Bilinear with PyTorch's initialisation and state-dict names. */
import { full } from '../../ops/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { bilinear, linear } from '../functional/linear.js';
import { kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { checkOptions, forwardSignature } from '../validate.js';

const BIAS = ['bias'] as const;

/** Returns its input unchanged; accepts (and ignores) any constructor arguments, as PyTorch. */
export class Identity extends Module {
  static override signature = forwardSignature('input');
  constructor(..._args: unknown[]) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}

/**
 * `y = x W^T + b` over the last dim (torch.nn.Linear): `forward(x [..., inFeatures])` returns
 * `[..., outFeatures]`. `weight` `[outFeatures, inFeatures]` is kaiming-uniform(a = sqrt(5)) and
 * `bias` `[outFeatures]` U(-1/sqrt(inFeatures), 1/sqrt(inFeatures)), as PyTorch. Throws when
 * the last dim of x is not inFeatures.
 *
 * @example
 * ```ts
 * const fc = new nn.Linear(784, 10);
 * fc.forward(randn([64, 784])).shape; // [64, 10]
 * Object.keys(fc.stateDict());        // ['weight', 'bias']
 * new nn.Linear(16, 4, { bias: false }).bias; // null
 * ```
 */
export class Linear extends Module {
  static override signature = forwardSignature('input');
  /** Learnable weight `[outFeatures, inFeatures]`. */
  declare weight: Tensor;
  /** Learnable bias `[outFeatures]`, or null with `bias: false`. */
  declare bias: Tensor | null;
  constructor(
    /** Size of each input sample's last dim. */
    readonly inFeatures: number,
    /** Size of each output sample's last dim. */
    readonly outFeatures: number,
    opts: { bias?: boolean } = {},
  ) {
    super();
    checkOptions(this.name, opts, BIAS);
    this.registerParameter('weight', full([outFeatures, inFeatures], 0));
    this.registerParameter('bias', (opts.bias ?? true) ? full([outFeatures], 0) : null);
    this.resetParameters();
  }

  /** kaiming_uniform_(a=sqrt(5)) for the weight, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias, 'Linear');
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/**
 * `y = x1^T A x2 + b` (torch.nn.Bilinear): `forward(x1 [..., in1Features], x2 [..., in2Features])` returns
 * `[..., outFeatures]`.
 */
export class Bilinear extends Module {
  static override signature = forwardSignature('input1 input2');
  /** Learnable weight `[outFeatures, in1Features, in2Features]`. */
  declare weight: Tensor;
  /** Learnable bias `[outFeatures]`, or null with `bias: false`. */
  declare bias: Tensor | null;
  constructor(
    /** Last dim of the first input. */
    readonly in1Features: number,
    /** Last dim of the second input. */
    readonly in2Features: number,
    /** Last dim of the output. */
    readonly outFeatures: number,
    opts: { bias?: boolean } = {},
  ) {
    super();
    checkOptions(this.name, opts, BIAS);
    this.registerParameter('weight', full([outFeatures, in1Features, in2Features], 0));
    this.registerParameter('bias', (opts.bias ?? true) ? full([outFeatures], 0) : null);
    this.resetParameters();
  }

  /** U(-1/sqrt(in1Features), 1/sqrt(in1Features)) for weight and bias, as PyTorch. */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.in1Features);
    uniform_(this.weight, -bound, bound);
    if (this.bias) uniform_(this.bias, -bound, bound);
  }

  forward(x1: Tensor, x2: Tensor): Tensor {
    return bilinear(x1, x2, this.weight, this.bias, 'Bilinear');
  }

  override extraRepr(): string {
    return `in1Features=${this.in1Features}, in2Features=${this.in2Features}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
