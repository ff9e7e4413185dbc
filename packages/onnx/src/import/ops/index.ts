/** Every ONNX operator the importer implements, by op_type (default domain). */

import { ELEMENTWISE_OPS } from './elementwise.js';
import { NN_OPS } from './nn.js';
import { REDUCE_OPS } from './reduce.js';
import { RESIZE_OPS } from './resize.js';
import { RNN_OPS } from './rnn.js';
import { SHAPE_OPS } from './shape.js';
import type { OpTable } from './types.js';
import { VALUE_OPS } from './value.js';

/** @internal */
export const OPS: OpTable = {
  ...ELEMENTWISE_OPS,
  ...SHAPE_OPS,
  ...NN_OPS,
  ...REDUCE_OPS,
  ...RESIZE_OPS,
  ...RNN_OPS,
  ...VALUE_OPS,
};

/** The op_types importModel supports, sorted (for documentation and error messages). */
export function supportedOperators(): string[] {
  return Object.keys(OPS).sort();
}
