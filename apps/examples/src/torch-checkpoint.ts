// The README's "Models in and out", PyTorch to layers and back: a CNN trained in PyTorch and
// saved with torch.save(model.state_dict(), path) loads into its layers twin, which gives
// PyTorch's logits; its state dict goes back to PyTorch as safetensors, with the same keys
// and dtypes (num_batches_tracked as int64), for training further there.
import { nn, noGrad, type Tensor } from '@layers/core';

/**
 * The layers twin of this PyTorch model (same layers in the same order, so the same
 * state-dict keys: 0.weight, 1.running_mean, 1.num_batches_tracked, 5.bias, ...):
 *
 *   nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
 *                 nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
 */
export function torchCnnTwin(): nn.Module {
  return new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }),
    new nn.BatchNorm2d(4),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(4 * 4 * 4, 3),
  );
}

/** Load the bytes of a torch.save checkpoint into the twin and classify `images` [N, 1, 8, 8]. */
export function logitsFromTorchCheckpoint(checkpoint: Uint8Array, images: Tensor): Tensor {
  const model = torchCnnTwin();
  const weights = nn.loadTorchCheckpoint(checkpoint); // never runs the pickle: data only
  model.loadStateDict(weights); // strict: every key and shape must match, or nothing changes
  for (const t of Object.values(weights)) t.dispose();
  model.eval(); // BatchNorm uses the running statistics PyTorch saved
  return noGrad(() => model.forward(images) as Tensor);
}

/**
 * The way back: the twin's state dict as safetensors, which PyTorch reads with
 * `model.load_state_dict(safetensors.torch.load_file(path))` (or torch.distributed's
 * checkpoint loaders, which take the same dict) to train further there.
 */
export async function toPyTorch(model: nn.Module): Promise<Uint8Array> {
  return nn.saveSafetensors(model.stateDict(), { format: 'pt' });
}
