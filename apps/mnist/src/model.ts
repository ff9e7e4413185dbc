import { nn } from '@layers/core';

/**
 * A small CNN: two conv blocks (Conv2d, BatchNorm2d, ReLU, MaxPool2d), then a two-layer
 * classifier with dropout before the output. About 110k parameters; state-dict keys match the same
 * nn.Sequential in PyTorch, so the saved weights load there too.
 */
export function createModel(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 16, 3, { padding: 1 }),
    new nn.BatchNorm2d(16),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 3, { padding: 1 }),
    new nn.BatchNorm2d(32),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(32 * 7 * 7, 64),
    new nn.ReLU(),
    new nn.Dropout({ p: 0.25 }),
    new nn.Linear(64, 10),
  );
}
