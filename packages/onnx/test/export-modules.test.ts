/** Every case of the export table, in onnxruntime-node and onnxruntime-web, against layers' forward. */
import { beforeAll, describe, it } from 'vitest';
import {
  ACTIVATION_CASES,
  ATTENTION_CASES,
  BASIC_CASES,
  type Case,
  CONV_CASES,
  LOSS_CASES,
  NORM_CASES,
  POOL_CASES,
  RNN_CASES,
  TRANSFORMER_CASES,
} from './export-cases.js';
import { checkExport, useCpu } from './export-helpers.js';

const GROUPS: Record<string, Case[]> = {
  activations: ACTIVATION_CASES,
  basic: BASIC_CASES,
  conv: CONV_CASES,
  pool: POOL_CASES,
  norm: NORM_CASES,
  rnn: RNN_CASES,
  attention: ATTENTION_CASES,
  transformer: TRANSFORMER_CASES,
  loss: LOSS_CASES,
};

beforeAll(useCpu);

for (const [group, cases] of Object.entries(GROUPS)) {
  describe(`exportModel: ${group}`, () => {
    for (const c of cases) {
      it(`${c.cls}${c.label ? ` (${c.label})` : ''}`, async () => {
        await checkExport(c.make(), c.args, c.opts);
      });
    }
  });
}
