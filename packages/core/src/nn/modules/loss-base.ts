// The base of the loss modules: a reduction, constructor options checked against the loss's
// option names, forward(input, target). Not exported from nn. (A plain comment: a file-level
// internal-tagged doc would attach to the first import, and stripInternal would drop it.)
import type { Reduction } from '../functional/loss.js';
import { Module } from '../module.js';
import { R } from '../option-keys.js';
import { checkOptions, forwardSignature } from '../validate.js';

/** A loss: forward(input, target), constructor options checked against `allowed`. */
export abstract class Loss extends Module {
  static override signature = forwardSignature('input target');
  /** How per-element losses combine (default `'mean'`). */
  readonly reduction: Reduction;
  constructor(opts: { reduction?: Reduction }, allowed: readonly string[] = R) {
    super();
    checkOptions(this.name, opts, allowed);
    this.reduction = opts.reduction ?? 'mean';
  }
  override extraRepr(): string {
    return `reduction=${this.reduction}`;
  }
}
