/** Every case of the export table, in onnxruntime-node and onnxruntime-web, against layers' forward. */
import { beforeAll, describe, it } from 'vitest';
import { GROUPS } from './export-groups.js';
import { checkExport, useCpu } from './export-helpers.js';

/** Every group again at opset 13, the lowest supported (HardSwish is an op from 14, LayerNormalization from 17). */
const LOW_OPSET_GROUPS = Object.keys(GROUPS);

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

for (const group of LOW_OPSET_GROUPS) {
  describe(`exportModel at opset 13: ${group}`, () => {
    for (const c of GROUPS[group]) {
      it(`${c.cls}${c.label ? ` (${c.label})` : ''}`, async () => {
        await checkExport(c.make(), c.args, { ...c.opts, opsetVersion: 13 });
      });
    }
  });
}
