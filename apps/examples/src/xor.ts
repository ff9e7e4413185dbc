// The README's first example: a two-layer MLP learns XOR.
import { nn, optim, tensor, tidy } from '@layers/core';

export async function xor(steps = 300): Promise<number[]> {
  const model = new nn.Sequential(new nn.Linear(2, 16), new nn.Tanh(), new nn.Linear(16, 1));
  const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
  const lossFn = new nn.MSELoss();
  const x = tensor([
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]);
  const y = tensor([[0], [1], [1], [0]]);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = tidy(() => {
      opt.zeroGrad();
      const l = lossFn.forward(model.forward(x), y);
      l.backward();
      opt.step();
      return l;
    });
    losses.push(Number(await loss.item()));
    loss.dispose();
  }
  return losses;
}
