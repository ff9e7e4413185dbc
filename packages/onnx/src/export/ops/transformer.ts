/**
 * Transformer layers as compositions of their submodules' exporters (self_attn, linear1,
 * norm1, ...), following layers' forward: post-norm or normFirst, masks and key-padding masks
 * passed to the attention blocks, dropouts as identities (eval).
 */
import { nn } from '@layers/core';
import { type Graph, Value } from '../graph.js';
import { registerExporter } from '../registry.js';

/** a + b as a node, with the traced tensors added alongside. */
function add(g: Graph, a: Value, b: Value): Value {
  return new Value(g.op('Add', [a.name, b.name]), a.ex.add(b.ex), a.ex2.add(b.ex2));
}

/** The feed-forward activation the layer was built with, exported as a module. */
function activation(
  g: Graph,
  layer: nn.TransformerEncoderLayer | nn.TransformerDecoderLayer,
  x: Value,
): Value {
  const a = (layer as unknown as { ctorOpts: nn.TransformerLayerOptions }).ctorOpts.activation;
  if (a === undefined || a === 'relu') return g.call(new nn.ReLU(), [x]);
  if (a === 'gelu') return g.call(new nn.GELU(), [x]);
  if (a instanceof nn.Module) return g.call(a, [x]);
  throw new Error(
    `exportModel: cannot export ${g.pathOf(layer)}: its activation is a plain function; pass 'relu', 'gelu' or an nn module so its forward is known`,
  );
}

function feedForward(
  g: Graph,
  layer: nn.TransformerEncoderLayer | nn.TransformerDecoderLayer,
  x: Value,
): Value {
  const h = activation(g, layer, g.call(layer.linear1, [x]));
  return g.call(layer.linear2, [g.call(layer.dropout, [h])]);
}

/** Attention output only (needWeights false), through the dropout that follows it. */
function attend(
  g: Graph,
  attn: nn.MultiheadAttention,
  drop: nn.Module,
  q: Value,
  kv: Value,
  mask: unknown,
  kpm: unknown,
  isCausal: unknown,
): Value {
  const [out] = g.call(attn, [
    q,
    kv,
    kv,
    { attnMask: mask, keyPaddingMask: kpm, needWeights: false, isCausal: isCausal ?? false },
  ]);
  return g.call(drop, [out]);
}

interface EncOpts {
  srcMask?: Value | null;
  srcKeyPaddingMask?: Value | null;
  isCausal?: boolean;
}

registerExporter(nn.TransformerEncoderLayer, (g, m, [src, o]) => {
  const opts = (o ?? {}) as EncOpts;
  const sa = (x: Value) =>
    attend(g, m.self_attn, m.dropout1, x, x, opts.srcMask, opts.srcKeyPaddingMask, opts.isCausal);
  const ff = (x: Value) => g.call(m.dropout2, [feedForward(g, m, x)]);
  let x = src as Value;
  if (m.normFirst) {
    x = add(g, x, sa(g.call(m.norm1, [x])));
    x = add(g, x, ff(g.call(m.norm2, [x])));
  } else {
    x = g.call(m.norm1, [add(g, x, sa(x))]);
    x = g.call(m.norm2, [add(g, x, ff(x))]);
  }
  return x;
});

interface DecOpts {
  tgtMask?: Value | null;
  memoryMask?: Value | null;
  tgtKeyPaddingMask?: Value | null;
  memoryKeyPaddingMask?: Value | null;
  tgtIsCausal?: boolean;
  memoryIsCausal?: boolean;
}

registerExporter(nn.TransformerDecoderLayer, (g, m, [tgt, mem, o]) => {
  const opts = (o ?? {}) as DecOpts;
  const memory = mem as Value;
  const sa = (x: Value) =>
    attend(g, m.self_attn, m.dropout1, x, x, opts.tgtMask, opts.tgtKeyPaddingMask, opts.tgtIsCausal);
  const ca = (x: Value) =>
    attend(
      g,
      m.multihead_attn,
      m.dropout2,
      x,
      memory,
      opts.memoryMask,
      opts.memoryKeyPaddingMask,
      opts.memoryIsCausal,
    );
  const ff = (x: Value) => g.call(m.dropout3, [feedForward(g, m, x)]);
  let x = tgt as Value;
  if (m.normFirst) {
    x = add(g, x, sa(g.call(m.norm1, [x])));
    x = add(g, x, ca(g.call(m.norm2, [x])));
    x = add(g, x, ff(g.call(m.norm3, [x])));
  } else {
    x = g.call(m.norm1, [add(g, x, sa(x))]);
    x = g.call(m.norm2, [add(g, x, ca(x))]);
    x = g.call(m.norm3, [add(g, x, ff(x))]);
  }
  return x;
});

registerExporter(nn.TransformerEncoder, (g, m, [src, o]) => {
  const opts = (o ?? {}) as { mask?: Value | null; srcKeyPaddingMask?: Value | null; isCausal?: boolean };
  let x = src as Value;
  for (const layer of m.layers) {
    x = g.call(layer, [
      x,
      { srcMask: opts.mask, srcKeyPaddingMask: opts.srcKeyPaddingMask, isCausal: opts.isCausal },
    ]);
  }
  return m.norm ? g.call(m.norm, [x]) : x;
});

registerExporter(nn.TransformerDecoder, (g, m, [tgt, memory, o]) => {
  let x = tgt as Value;
  for (const layer of m.layers) x = g.call(layer, [x, memory, o ?? {}]);
  return m.norm ? g.call(m.norm, [x]) : x;
});

registerExporter(nn.Transformer, (g, m, [src, tgt, o]) => {
  const opts = (o ?? {}) as Record<string, unknown>;
  const memory = g.call(m.encoder, [
    src,
    { mask: opts.srcMask, srcKeyPaddingMask: opts.srcKeyPaddingMask, isCausal: opts.srcIsCausal },
  ]);
  return g.call(m.decoder, [
    tgt,
    memory,
    {
      tgtMask: opts.tgtMask,
      memoryMask: opts.memoryMask,
      tgtKeyPaddingMask: opts.tgtKeyPaddingMask,
      memoryKeyPaddingMask: opts.memoryKeyPaddingMask,
      tgtIsCausal: opts.tgtIsCausal,
      memoryIsCausal: opts.memoryIsCausal,
    },
  ]);
});
