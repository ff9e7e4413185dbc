import { tidy } from '../tensor/scope.js';
import { fmtShape, shapeEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { accumulateLeaf, accumulateNonLeaf } from './accumulate.js';
import { enableGrad, noGrad } from './grad-mode.js';
import { attach, type Node, sameHandle, wired } from './node.js';

/** What one reverse pass does; {@link backward} and `autograd.grad` both run it. */
export interface Pass {
  /** 'backward' or 'grad', for error messages. */
  api: string;
  roots: readonly Tensor[];
  /** The gradient of each root; undefined: ones, for a one-element root. */
  seeds: readonly (Tensor | undefined)[];
  retainGraph: boolean;
  /** Run the formulas with grad mode on, so the gradients carry a graph of their own. */
  createGraph: boolean;
  /** Only these tensors' gradients are wanted (leaves or not); null: every leaf's `.grad`. */
  targets: readonly Tensor[] | null;
  /** With targets: add into their `.grad` (backward's `inputs`) rather than return them. */
  accumulate: boolean;
}

/**
 * Reverse-mode differentiation. Visits the graph in reverse topological order, summing the
 * gradients that reach each node; hands leaves (or the targets) their sums. Returns, per
 * target, the gradient that reached it (null: unreached), for `autograd.grad`.
 */
export function runPass(p: Pass): (Tensor | null)[] {
  const seeds = p.roots.map((root, i) => seedFor(p.api, root, p.seeds[i], p.createGraph));
  const starts = p.roots.map((r) => r._gradEdge());
  const order = topoOrder(starts);
  const targetAt = new Map<Node, number[]>();
  p.targets?.forEach((t, i) => {
    const n = t._gradEdge();
    targetAt.set(n, [...(targetAt.get(n) ?? []), i]);
  });
  // With targets, only nodes on a path to one of them run (as PyTorch prunes the graph), so an
  // unrelated branch costs nothing and cannot fail.
  const needed = p.targets ? neededNodes(order, targetAt) : null;
  if (!p.targets || p.accumulate) checkLeaves(order, seeds, needed);
  const pending = new Map<Node, Tensor>();
  starts.forEach((s, i) => {
    addTo(pending, s, seeds[i]);
  });
  const found: (Tensor | null)[] = (p.targets ?? []).map(() => null);
  const mode = p.createGraph ? enableGrad : noGrad;
  try {
    mode(() => {
      for (const node of order) {
        const g = pending.get(node);
        pending.delete(node);
        if (!g) continue;
        const hits = targetAt.get(node);
        if (hits) {
          // A target's gradient is complete here (topological order); go on past it only
          // when another target lies upstream.
          const goOn = !node.leaf && node.inputs.some((n) => n && needed?.has(n));
          hits.forEach((i, k) => {
            found[i] = k === 0 && !goOn ? g : sameHandle(g);
          });
          if (!goOn) continue;
        }
        if (node.leaf) {
          // With targets, a leaf that is not one of them keeps its .grad as it was.
          if (!p.targets) accumulateLeaf(node.leaf, g, p.createGraph);
          else g.dispose();
          continue;
        }
        if (needed && !needed.has(node)) {
          g.dispose();
          continue;
        }
        step(node, g, pending, p, needed);
      }
    });
  } finally {
    for (const t of pending.values()) t.dispose();
  }
  if (p.accumulate && p.targets) {
    p.targets.forEach((t, i) => {
      const g = found[i];
      if (g) (t.isLeaf ? accumulateLeaf : accumulateNonLeaf)(t, g, p.createGraph);
      found[i] = null;
    });
  }
  return found;
}

/** Run one node's formula and route its gradients to its inputs. */
function step(node: Node, g: Tensor, pending: Map<Node, Tensor>, p: Pass, needed: Set<Node> | null): void {
  if (node.released) {
    g.dispose();
    throw new Error(
      `${p.api}: trying to backward through the graph a second time (through ${node.name}); ` +
        'the saved tensors were freed after the first backward. Pass { retainGraph: true } to the first call.',
    );
  }
  // A backward formula's temporaries are nobody else's: free them as soon as it returns
  // rather than leaving them to the garbage collector (which a training loop may not
  // give a turn for thousands of steps).
  const grads = tidy(() => gradsOf(node, g, p.createGraph));
  // The same tensor may be returned for two inputs (add) or be g itself: a new handle (in
  // the same place of the graph) for each further consumer. Handles are all taken before
  // any is summed into pending (which consumes it).
  const handed = new Set<Tensor>();
  const routed: [Node, Tensor][] = [];
  node.inputs.forEach((input, i) => {
    const gi = grads[i];
    if (!input || !gi || (needed && !needed.has(input))) return;
    routed.push([input, gi === g || handed.has(gi) ? sameHandle(gi) : gi]);
    handed.add(gi);
  });
  for (const gi of new Set(grads)) if (gi && gi !== g && !handed.has(gi)) gi.dispose();
  g.dispose();
  for (const [input, gi] of routed) addTo(pending, input, castToInput(input, gi));
  if (!p.retainGraph) node.releaseSaved();
}

/**
 * The formula's gradients. With createGraph the formula sees its saved tensors wired to
 * their place in the graph, so what it returns is differentiable in them as well as in g.
 */
function gradsOf(node: Node, g: Tensor, createGraph: boolean): (Tensor | null)[] {
  if (!createGraph) return node.backwardFn!(g, node.saved);
  const saved = node.saved.map((t, i) => wired(t, node.savedEdges[i] ?? null));
  if (!node.twice) {
    // No differentiable form yet: first-order values, and a node that refuses the second.
    const grads = noGrad(() => node.backwardFn!(g, node.saved));
    const deps = [g, ...saved].filter((t) => t.requiresGrad);
    return grads.map((gi) =>
      gi && gi !== g ? attach(gi, `${node.name}Backward`, deps, [], refuse(node.name)) : gi,
    );
  }
  const grads = node.backwardFn!(g, saved, node.inputs);
  if (g.requiresGrad) {
    // A gradient is linear in g: one that lost g's graph went through a raw kernel and its
    // own derivative would be a silent zero. Refuse when something differentiates it.
    return grads.map((gi) =>
      gi && !gi.requiresGrad ? attach(gi, `${node.name}Backward`, [g], [], refuse(node.name)) : gi,
    );
  }
  return grads;
}

function refuse(name: string) {
  return (): never => {
    throw new Error(
      `backward: the derivative of ${name}'s backward is not implemented (double backward through ${name} ` +
        'with createGraph); differentiate it once, or express it with differentiable ops',
    );
  };
}

function addTo(pending: Map<Node, Tensor>, node: Node, g: Tensor): void {
  const prev = pending.get(node);
  if (!prev) {
    pending.set(node, g);
    return;
  }
  pending.set(node, prev.add(g));
  prev.dispose();
  g.dispose();
}

function seedFor(api: string, root: Tensor, grad: Tensor | undefined, createGraph: boolean): Tensor {
  root._check(api);
  if (!root.requiresGrad) {
    throw new Error(`${api}: element 0 of tensors does not require grad and does not have a grad_fn`);
  }
  if (grad === undefined) {
    if (root.size !== 1) {
      throw new Error(
        `${api}: grad can be implicitly created only for scalar outputs (got shape ${fmtShape(root.shape)})`,
      );
    }
    return noGrad(() => root._onesLike());
  }
  grad._check(api);
  if (!shapeEqual(grad.shape, root.shape)) {
    throw new RangeError(
      `${api}: grad shape ${fmtShape(grad.shape)} does not match the output shape ${fmtShape(root.shape)}`,
    );
  }
  // With createGraph the result is differentiable in the seed too (PyTorch's grad_outputs).
  return createGraph ? sameHandle(grad) : grad._alias();
}

/** Nodes from which a target can be reached (inputs come before consumers in `post`). */
function neededNodes(order: readonly Node[], targetAt: Map<Node, number[]>): Set<Node> {
  const needed = new Set<Node>();
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    if (targetAt.has(n) || n.inputs.some((x) => x && needed.has(x))) needed.add(n);
  }
  return needed;
}

/**
 * A leaf disposed before backward has nowhere to put its gradient: say so before any
 * gradient is computed, so no leaf gets half of a backward pass.
 */
function checkLeaves(order: readonly Node[], seeds: readonly Tensor[], needed: Set<Node> | null): void {
  for (const node of order) {
    const leaf = node.leaf;
    if (!leaf?.isDisposed || (needed && !needed.has(node))) continue;
    for (const s of seeds) s.dispose();
    throw new Error(
      `backward: leaf tensor #${leaf.id} (shape ${fmtShape(leaf.shape)}, ${leaf.dtype}, requiresGrad) was disposed ` +
        'before backward(), so its gradient cannot be stored; dispose it only after backward() and the optimizer step',
    );
  }
}

function topoOrder(starts: readonly Node[]): Node[] {
  const visited = new Set<Node>();
  const post: Node[] = [];
  // Iterative DFS: graphs of long RNN unrolls would overflow the call stack. Reverse
  // post-order of a DFS forest over a DAG is a topological order, for several roots too.
  for (const start of starts) {
    if (visited.has(start)) continue;
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
  }
  return post.reverse();
}

/** `tensor.backward(grad, { retainGraph })`: accumulate into every leaf's `.grad`. */
export function backward(root: Tensor, grad: Tensor | undefined, retainGraph: boolean): void {
  runPass({
    api: 'backward',
    roots: [root],
    seeds: [grad],
    retainGraph,
    createGraph: false,
    targets: null,
    accumulate: true,
  });
}

/**
 * A gradient in another float dtype than its input's (float32 into a float16 op under
 * autocast) is cast to it, as PyTorch's engine does (validate_outputs). Consumes `gi`.
 */
function castToInput(input: Node, gi: Tensor): Tensor {
  const want = input.leaf ? input.leaf.dtype : input.dtype;
  if (!want || gi.dtype === want) return gi;
  const c = gi.cast(want);
  gi.dispose();
  return c;
}
