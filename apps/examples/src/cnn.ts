// The README's CNN: conv, batch norm, pooling and a linear head, trained with SGD + momentum.
import { nn, optim, type Tensor, tidy } from '@layers/core';

export async function cnn(images: Tensor, labels: Tensor, steps = 40): Promise<number[]> {
  const model = new nn.Sequential(
    new nn.Conv2d(1, 16, 3, { padding: 1 }),
    new nn.BatchNorm2d(16),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(16 * 14 * 14, 10),
  );
  const ce = new nn.CrossEntropyLoss();
  const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = tidy(() => {
      opt.zeroGrad();
      const l = ce.forward(model.forward(images), labels);
      l.backward();
      opt.step();
      return l;
    });
    losses.push(Number(await loss.item()));
    loss.dispose();
  }
  return losses;
}
