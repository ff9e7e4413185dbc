// The README's small transformer: a 2-layer causal encoder with a linear head, AdamW.
import { nn, optim, type Tensor, tidy } from '@layers/core';

export async function transformer(tokens: Tensor, targets: Tensor, steps = 30): Promise<number[]> {
  const layer = new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64, batchFirst: true, dropout: 0 });
  const encoder = new nn.TransformerEncoder(layer, 2);
  const head = new nn.Linear(32, 5);
  const adam = new optim.AdamW([...encoder.parameters(), ...head.parameters()], { lr: 1e-3 });
  const ce = new nn.CrossEntropyLoss();
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = tidy(() => {
      adam.zeroGrad();
      const mask = nn.Transformer.generateSquareSubsequentMask(tokens.shape[1]);
      const logits = head.forward(encoder.forward(tokens, { mask, isCausal: true })); // tokens [N, T, 32]
      const l = ce.forward(logits.flatten(0, 1), targets.flatten());
      l.backward();
      adam.step();
      return l;
    });
    losses.push(Number(await loss.item()));
    loss.dispose();
  }
  return losses;
}
