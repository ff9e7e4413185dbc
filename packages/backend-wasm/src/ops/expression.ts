/**
 * The contract's optional `expression` kernel: one program of core's scalar IR through the
 * tile interpreter (assembly/expr.ts), encoded by expr.ts into a block of the linear memory.
 */
import type { BinaryOp, ExpressionParams, UnaryOp, View } from '@layers/core';
import { BINARY_OPS, ELEM_BYTES, UNARY_OPS } from '../abi.js';
import type { Dispatch } from '../dispatch.js';
import { encodeExpr, sameView } from '../expr.js';
import { numel } from '../strided.js';

/** Where each backend's programs are encoded (grown on demand; one call at a time). */
const blocks = new WeakMap<Dispatch, { at: number; bytes: number }>();
const unaryCode = (op: string) => UNARY_OPS.indexOf(op as UnaryOp);
const binaryCode = (op: string) => BINARY_OPS.indexOf(op as BinaryOp);

/**
 * @internal Run one program. An input that shares an output's buffer without being exactly
 * that output is read from a copy: tiles on other threads would otherwise write elements it
 * has still to read.
 */
export function expression(d: Dispatch, p: ExpressionParams): void {
  const temps: number[] = [];
  try {
    let inputs = p.inputs;
    for (let i = 0; i < p.inputs.length; i++) {
      const v = p.inputs[i];
      if (!p.outputs.some((o) => o.buffer === v.buffer) || p.outputs.some((o) => sameView(o, v))) continue;
      const n = numel(v.shape);
      const tmp = d.scratch(Math.max(1, n) * ELEM_BYTES[v.dtype]);
      temps.push(tmp);
      const copy = d.contiguousView(v, tmp);
      d.copy(v, copy);
      if (inputs === p.inputs) inputs = [...p.inputs];
      (inputs as View[])[i] = copy;
    }
    const enc = encodeExpr(
      inputs === p.inputs ? p : { ...p, inputs },
      (v) => d.addr(v),
      unaryCode,
      binaryCode,
      d.ex.scratchBytes(),
    );
    if (!enc) return;
    const bytes = enc.length * 4;
    let block = blocks.get(d);
    if (!block || bytes > block.bytes) {
      if (block) d.free(block.at);
      const size = Math.max(1024, bytes * 2);
      block = { at: d.allocator.alloc(size, 'expression programs'), bytes: size };
      blocks.set(d, block);
    }
    d.views();
    const i32 = d.i32;
    const at = block.at >> 2;
    for (let i = 0; i < enc.length; i++) i32[at + i] = enc.words[i];
    d.par(enc.reduce ? 'exprReduce' : 'expr', [block.at], enc.total, enc.work, enc.reduce ? 1 : 64);
  } finally {
    for (const t of temps) d.free(t);
  }
}
