/**
 * JavaScript source for one expression program: the scalar body of one element, with every
 * node rounded to its dtype as the IR specifies (Math.fround for float32, `| 0` for int32,
 * 0/1 for bool), so the compiled kernel gives the composed kernels' bits. Hot ops are inline
 * JS; the rest call core's scalar table (`T.u.<op>`, `T.b.<op>`), which V8 inlines at these
 * monomorphic call sites.
 */
import type { DType, expr, UnaryOp } from '@layers/core';

type Program = expr.ExprProgram;

const INLINE_FLOAT_UNARY: Partial<Record<UnaryOp, (x: string) => string>> = {
  neg: (x) => `-${x}`,
  abs: (x) => `Math.abs(${x})`,
  exp: (x) => `Math.exp(${x})`,
  expm1: (x) => `Math.expm1(${x})`,
  log: (x) => `Math.log(${x})`,
  log1p: (x) => `Math.log1p(${x})`,
  sqrt: (x) => `Math.sqrt(${x})`,
  rsqrt: (x) => `1 / Math.sqrt(${x})`,
  reciprocal: (x) => `1 / ${x}`,
  sin: (x) => `Math.sin(${x})`,
  cos: (x) => `Math.cos(${x})`,
  tan: (x) => `Math.tan(${x})`,
  tanh: (x) => `Math.tanh(${x})`,
  floor: (x) => `Math.floor(${x})`,
  ceil: (x) => `Math.ceil(${x})`,
  relu: (x) => `(${x} < 0 ? 0 : ${x})`,
  logicalNot: (x) => `(${x} === 0 ? 1 : 0)`,
  isnan: (x) => `(${x} !== ${x} ? 1 : 0)`,
};

const INLINE_BINARY: Record<string, (a: string, b: string) => string> = {
  add: (a, b) => `${a} + ${b}`,
  sub: (a, b) => `${a} - ${b}`,
  mul: (a, b) => `${a} * ${b}`,
  div: (a, b) => `${a} / ${b}`,
  eq: (a, b) => `(${a} === ${b} ? 1 : 0)`,
  ne: (a, b) => `(${a} !== ${b} ? 1 : 0)`,
  lt: (a, b) => `(${a} < ${b} ? 1 : 0)`,
  le: (a, b) => `(${a} <= ${b} ? 1 : 0)`,
  gt: (a, b) => `(${a} > ${b} ? 1 : 0)`,
  ge: (a, b) => `(${a} >= ${b} ? 1 : 0)`,
  logicalAnd: (a, b) => `(${a} !== 0 && ${b} !== 0 ? 1 : 0)`,
  logicalOr: (a, b) => `(${a} !== 0 || ${b} !== 0 ? 1 : 0)`,
  logicalXor: (a, b) => `((${a} !== 0) !== (${b} !== 0) ? 1 : 0)`,
};

/** JS source of a number literal, NaN, +-Infinity and -0 included. */
function literal(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  return `(${String(v)})`;
}

/** `src` rounded to `dtype`; `exact` says the value is already representable (0/1, a load). */
function round(dtype: DType, src: string, exact = false): string {
  if (exact) return src;
  if (dtype === 'float32') return `Math.fround(${src})`;
  if (dtype === 'int32') return `((${src}) | 0)`;
  return `((${src}) !== 0 ? 1 : 0)`;
}

/** Which nodes the outputs depend on (dead ones are not emitted). */
export function liveNodes(program: Program): boolean[] {
  const live = program.nodes.map(() => false);
  for (const o of program.outputs) live[o] = true;
  for (let k = program.nodes.length - 1; k >= 0; k--) {
    if (!live[k]) continue;
    const n = program.nodes[k];
    if (n.kind === 'unary' || n.kind === 'cast') live[n.x] = true;
    else if (n.kind === 'binary') live[n.a] = live[n.b] = true;
    else if (n.kind === 'where') live[n.cond] = live[n.a] = live[n.b] = true;
  }
  return live;
}

/** Statements computing `v<k>` for every live node; loads read `I<i>[i<i>]`, params `q<k>`. */
export function bodySource(program: Program): string {
  const nodes = program.nodes;
  const live = liveNodes(program);
  // Relaxed programs keep float32 intermediates in float64 (Math.fround per node costs ~2x
  // on an Adam step); outputs are rounded on their typed-array store.
  const isOutput = new Set(program.outputs);
  const keep = (k: number) => program.relaxed === true && nodes[k].dtype === 'float32' && !isOutput.has(k);
  const lines: string[] = [];
  const v = (k: number) => `v${k}`;
  for (let k = 0; k < nodes.length; k++) {
    if (!live[k]) continue;
    const n = nodes[k];
    let src: string;
    switch (n.kind) {
      case 'load':
        src = `I${n.input}[i${n.input}]`;
        break;
      case 'const':
        src = literal(n.value);
        break;
      case 'param':
        src = `q${k}`;
        break;
      case 'unary': {
        const xd = nodes[n.x].dtype;
        const inline = xd === 'float32' ? INLINE_FLOAT_UNARY[n.op] : undefined;
        const call = inline ? inline(v(n.x)) : `T.${xd === 'float32' ? 'uf' : 'ui'}.${n.op}(${v(n.x)})`;
        src = round(n.dtype, call, keep(k) || (n.dtype === 'bool' && n.op !== 'neg' && n.op !== 'abs'));
        break;
      }
      case 'binary': {
        const ad = nodes[n.a].dtype;
        const a = v(n.a);
        const b = v(n.b);
        let call: string;
        if (ad !== 'float32' && n.op === 'mul') call = `Math.imul(${a}, ${b})`;
        else if (ad !== 'float32' && (n.op === 'pow' || n.op === 'remainder' || n.op === 'floorDivide'))
          call = `T.bi.${n.op}(${a}, ${b})`;
        else if (INLINE_BINARY[n.op]) call = INLINE_BINARY[n.op](a, b);
        else call = `T.bf.${n.op}(${a}, ${b})`;
        const isCompare = n.dtype === 'bool' && ad !== 'bool';
        src = round(n.dtype, call, keep(k) || isCompare || (n.dtype === 'bool' && call.endsWith('? 1 : 0)')));
        break;
      }
      case 'where':
        src = `(${v(n.cond)} !== 0 ? ${v(n.a)} : ${v(n.b)})`;
        break;
      case 'cast': {
        const from = nodes[n.x].dtype;
        // int32 -> float32 rounds above 2^24; bool -> anything and float -> int are exact after rounding.
        src = from === 'bool' ? v(n.x) : round(n.dtype, v(n.x));
        break;
      }
    }
    lines.push(`const ${v(k)} = ${src};`);
  }
  return lines.join('\n');
}

/** Statements rounding every param node once per call into `q<node id>`. */
export function paramSource(program: Program): string {
  const lines: string[] = [];
  program.nodes.forEach((n, k) => {
    if (n.kind === 'param') lines.push(`const q${k} = ${round(n.dtype, `P[${n.index}]`)};`);
  });
  return lines.join('\n');
}
