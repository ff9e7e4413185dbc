/** Every export case, by group (run by export-modules.test.ts, checked for coverage by export-errors.test.ts). */
import type { Case } from './export-cases.js';
import { ACTIVATION_CASES, BASIC_CASES, CONV_CASES, POOL_CASES } from './export-cases-layers.js';
import { MORE_LAYER_CASES, MORE_LOSS_CASES, PAD_CASES } from './export-cases-more.js';
import { ATTENTION_CASES, LOSS_CASES, NORM_CASES, RNN_CASES, TRANSFORMER_CASES } from './export-cases-seq.js';

/** The case table. */
export const GROUPS: Record<string, Case[]> = {
  activations: ACTIVATION_CASES,
  basic: BASIC_CASES,
  conv: CONV_CASES,
  pool: POOL_CASES,
  norm: NORM_CASES,
  rnn: RNN_CASES,
  attention: ATTENTION_CASES,
  transformer: TRANSFORMER_CASES,
  loss: LOSS_CASES,
  padding: PAD_CASES,
  lossMore: MORE_LOSS_CASES,
  layersMore: MORE_LAYER_CASES,
};
