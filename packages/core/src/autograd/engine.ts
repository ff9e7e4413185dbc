import { tidy } from '../tensor/scope.js';
import { fmtShape, shapeEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { noGrad } from './grad-mode.js';
import type { Node } from './node.js';

/**
 * Reverse-mode differentiation from `root`. Visits the graph in reverse topological order,
 * summing the gradients that reach each node, and accumulates into the `.grad` of leaves.
 */
export function backward(root: Tensor, grad: Tensor | undefined, retainGraph: boolean): void {
  root._check('backward');
  if (!root.requiresGrad) {
    throw new Error('backward: element 0 of tensors does not require grad and does not have a grad_fn');
  }
  let seed: Tensor;
  if (grad === undefined) {
    if (root.size !== 1) {
      throw new Error(
        `backward: grad can be implicitly created only for scalar outputs (got shape ${fmtShape(root.shape)})`,
      );
    }
    seed = noGrad(() => root._onesLike());
  } else {
    grad._check('backward');
    if (!shapeEqual(grad.shape, root.shape)) {
      throw new RangeError(
        `backward: grad shape ${fmtShape(grad.shape)} does not match the output shape ${fmtShape(root.shape)}`,
      );
    }
    seed = grad._alias();
  }
  const start = root._gradEdge();
  const order = topoOrder(start);
  checkLeaves(order, seed);
  const pending = new Map<Node, Tensor>([[start, seed]]);
  noGrad(() => {
    for (const node of order) {
      const g = pending.get(node);
      pending.delete(node);
      if (!g) continue;
      if (node.leaf) {
        accumulateLeaf(node.leaf, g);
        continue;
      }
      if (node.released) {
        g.dispose();
        throw new Error(
          `backward: trying to backward through the graph a second time (through ${node.name}); ` +
            'the saved tensors were freed after the first backward. Pass { retainGraph: true } to the first call.',
        );
      }
      // A backward formula's temporaries are nobody else's: free them as soon as it returns
      // rather than leaving them to the garbage collector (which a training loop may not
      // give a turn for thousands of steps).
      const grads = tidy(() => node.backwardFn!(g, node.saved));
      const handed = new Set<Tensor>();
      node.inputs.forEach((input, i) => {
        let gi = grads[i] ?? null;
        if (!input || !gi) {
          if (gi && gi !== g && !handed.has(gi)) gi.dispose();
          return;
        }
        // The same tensor may be returned for two inputs (add) or be g itself: alias it so
        // each consumer owns its handle.
        if (gi === g || handed.has(gi)) gi = gi._alias();
        // A gradient in another float dtype than the input's (float32 into a float16 op under
        // autocast) is cast to it, as PyTorch's engine does.
        const want = input.leaf ? input.leaf.dtype : input.dtype;
        if (want && gi.dtype !== want) {
          const c = gi.cast(want);
          gi.dispose();
          gi = c;
        }
        handed.add(gi);
        const prev = pending.get(input);
        if (prev) {
          pending.set(input, prev.add(gi));
          prev.dispose();
          gi.dispose();
        } else pending.set(input, gi);
      });
      g.dispose();
      if (!retainGraph) node.releaseSaved();
    }
  });
  for (const t of pending.values()) t.dispose();
}

/**
 * A leaf disposed before backward has nowhere to put its gradient: say so before any
 * gradient is computed, so no leaf gets half of a backward pass.
 */
function checkLeaves(order: readonly Node[], seed: Tensor): void {
  for (const node of order) {
    const leaf = node.leaf;
    if (!leaf?.isDisposed) continue;
    seed.dispose();
    throw new Error(
      `backward: leaf tensor #${leaf.id} (shape ${fmtShape(leaf.shape)}, ${leaf.dtype}, requiresGrad) was disposed ` +
        'before backward(), so its gradient cannot be stored; dispose it only after backward() and the optimizer step',
    );
  }
}

function topoOrder(start: Node): Node[] {
  const visited = new Set<Node>();
  const post: Node[] = [];
  // Iterative DFS: graphs of long RNN unrolls would overflow the call stack.
  const stack: [Node, number][] = [[start, 0]];
  visited.add(start);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [node, i] = top;
    if (i < node.inputs.length) {
      top[1]++;
      const next = node.inputs[i];
      if (next && !visited.has(next)) {
        visited.add(next);
        stack.push([next, 0]);
      }
    } else {
      post.push(node);
      stack.pop();
    }
  }
  return post.reverse();
}

function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  if (!shapeEqual(g.shape, leaf.shape)) {
    g.dispose();
    throw new Error(
      `backward: internal error, gradient of shape ${fmtShape(g.shape)} for a leaf of shape ${fmtShape(leaf.shape)}`,
    );
  }
  const existing = leaf.grad;
  if (existing) {
    existing._addInPlace(g);
    g.dispose();
    return;
  }
  // The gradient must own its memory: later backward calls accumulate into it in place.
  if (g._ownsStorage()) leaf.grad = g;
  else {
    leaf.grad = g.contiguousCopy();
    g.dispose();
  }
}
