/** The digit CNN every CNN case and tool uses (apps/mnist's model), on the current backend. */
import * as core from '@layers/core';

export function digitCnn(): core.nn.Sequential {
  const { nn } = core;
  return new nn.Sequential(
    new nn.Conv2d(1, 8, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(8, 16, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(16 * 7 * 7, 10),
  );
}
