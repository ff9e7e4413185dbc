import type { DType } from '@layers/core';
import type { ExprNode, ExprReduce } from '../expr/program.js';
import { ENTRY_BUILTINS, FLAT_WG, f32Bits, fromWord, TWO_SUM, toWord, WG, wgslType } from './common.js';
import { binaryExpr, castExpr, FLOAT_MATH, INT_MATH, unaryExpr } from './elementwise.js';
import { enableF16 } from './half.js';
import { wgReduceTree, wgSumTree } from './reduce.js';

/**
 * WGSL for one expression program. The program becomes `fn ev(w0, w1, ...) -> array<u32, K>`
 * (input words in, output words out) built from the same per-op expressions as the unary /
 * binary / copy kernels (elementwise.ts), so a fused program rounds exactly like the chain of
 * kernels it replaces. `main` only differs in how it finds the words: strided, four lanes of
 * contiguous vec4 words, or a workgroup looping over one row of a reduction.
 * @internal
 */
export interface ExprShader {
  nodes: readonly ExprNode[];
  types: readonly DType[];
  outputs: readonly number[];
  /** Dtype of each output view (the node's value is converted when it differs). */
  outTypes: readonly DType[];
  /** Number of inputs (words passed to `ev`). */
  inputs: number;
  /** Storage bindings after P: true where bound read_write. Binding k + 1 is `B${k}`. */
  bindings: readonly boolean[];
  /** Binding (index into `bindings`) each output / input reads through. */
  outBinding: readonly number[];
  inBinding: readonly number[];
  /** Word of P where the program's scalar words (constants, then params, in node order) start. */
  paramBase: number;
  /**
   * Constants as WGSL literals instead of params words: only for programs whose words would
   * overflow the params window (the runtime's 1 KiB per dispatch).
   */
  literalConsts: boolean;
  /**
   * Bindings holding float16 views, bound as array<f16> (shader-f16; strided and reduction
   * forms only). Their words are widened to f32 bits on load and rounded once on store, so
   * `outTypes` name float32 for them (the program's value type).
   */
  half?: readonly boolean[];
}

/** WGSL of the u32 word read from binding `b` at `at` (f32 bits of a float16 element). */
function readWord(s: ExprShader, b: number, at: string): string {
  return s.half?.[b] ? `bitcast<u32>(f32(B${b}[${at}]))` : `B${b}[${at}]`;
}

/** WGSL statement storing u32 word `word` into binding `b` at `at` (rounding f32 bits to f16). */
function writeWord(s: ExprShader, b: number, at: string, word: string): string {
  return `B${b}[${at}] = ${s.half?.[b] ? `f16(bitcast<f32>(${word}))` : word};`;
}

function helperName(kind: string, op: string, t: DType): string {
  return `${kind}_${op}_${t}`;
}

/** A constant as WGSL (by bits: exact, and -0 survives; non-finite through the helpers). */
function literal(value: number, dtype: DType): string {
  if (dtype === 'bool') return value !== 0 ? '1u' : '0u';
  if (dtype === 'int32') return `bitcast<i32>(${(value | 0) >>> 0}u)`;
  if (Number.isNaN(value)) return 'nanF()';
  if (!Number.isFinite(value)) return value > 0 ? 'infF()' : '(-infF())';
  return `bitcast<f32>(${f32Bits(value)}u)`;
}

/** Helper functions and the `ev` function of the program. */
function evaluator(s: ExprShader): string {
  const helpers = new Map<string, string>();
  const lines: string[] = [];
  const v = (i: number) => `v${i}`;
  let param = 0;
  s.nodes.forEach((n, i) => {
    const t = s.types[i];
    let e: string;
    switch (n.kind) {
      case 'load':
        e = fromWord(n.dtype, `w${n.input}`);
        break;
      case 'const':
        if (s.literalConsts) {
          e = literal(n.value, n.dtype);
          break;
        }
        e = fromWord(t, `P[${s.paramBase + param++}]`);
        break;
      case 'param':
        // One word per constant and param node, in node order (expr/program.ts scalarWords).
        e = fromWord(t, `P[${s.paramBase + param++}]`);
        break;
      case 'unary': {
        const xt = s.types[n.x];
        const name = helperName('u', n.op, xt);
        if (!helpers.has(name)) {
          const body = unaryExpr(n.op, xt);
          helpers.set(name, `fn ${name}(x: ${wgslType(xt)}) -> ${wgslType(t)} { return ${body}; }`);
        }
        e = `${name}(${v(n.x)})`;
        break;
      }
      case 'binary': {
        const at = s.types[n.a];
        const name = helperName('b', n.op, at);
        if (!helpers.has(name)) {
          const body = binaryExpr(n.op, at);
          helpers.set(
            name,
            `fn ${name}(a: ${wgslType(at)}, b: ${wgslType(at)}) -> ${wgslType(t)} { return ${body}; }`,
          );
        }
        e = `${name}(${v(n.a)}, ${v(n.b)})`;
        break;
      }
      case 'where':
        e = `select(${v(n.b)}, ${v(n.a)}, ${v(n.cond)} != ${s.types[n.cond] === 'bool' ? '0u' : castZero(s.types[n.cond])})`;
        break;
      case 'cast': {
        const xt = s.types[n.x];
        const name = helperName('c', t, xt);
        if (!helpers.has(name)) {
          helpers.set(
            name,
            `fn ${name}(x: ${wgslType(xt)}) -> ${wgslType(t)} { return ${castExpr(xt, t)}; }`,
          );
        }
        e = `${name}(${v(n.x)})`;
        break;
      }
    }
    lines.push(`let ${v(i)}: ${wgslType(t)} = ${e};`);
  });
  const words = s.outputs.map((o, k) => {
    const from = s.types[o];
    const to = s.outTypes[k];
    if (from === to) return toWord(to, v(o));
    const name = helperName('c', to, from);
    if (!helpers.has(name)) {
      helpers.set(
        name,
        `fn ${name}(x: ${wgslType(from)}) -> ${wgslType(to)} { return ${castExpr(from, to)}; }`,
      );
    }
    return toWord(to, `${name}(${v(o)})`);
  });
  const args = Array.from({ length: s.inputs }, (_, k) => `w${k}: u32`).join(', ');
  const K = s.outputs.length;
  return `${[...helpers.values()].join('\n')}
fn ev(${args}) -> array<u32, ${K}> {
  ${lines.join('\n  ')}
  return array<u32, ${K}>(${words.join(', ')});
}`;
}

/** Zero of a non-bool condition (where on a float/int condition means != 0). */
function castZero(t: DType): string {
  return t === 'float32' ? '0.0' : '0';
}

function declarations(s: ExprShader, elem: string): string {
  const half = s.half ?? [];
  const lines = [
    `${enableF16(...half.map((h) => (h ? 'f16' : 'f32')))}@group(0) @binding(0) var<storage, read> P: array<u32>;`,
  ];
  s.bindings.forEach((w, k) => {
    lines.push(
      `@group(0) @binding(${k + 1}) var<storage, ${w ? 'read_write' : 'read'}> B${k}: array<${half[k] ? 'f16' : elem}>;`,
    );
  });
  return lines.join('\n');
}

/**
 * Strided elementwise form: `indexCode` defines idx0.. (outputs first, then inputs) from `i`.
 */
export function exprShader(s: ExprShader, indexCode: string): string {
  const nOut = s.outputs.length;
  const reads = Array.from({ length: s.inputs }, (_, j) => readWord(s, s.inBinding[j], `idx${nOut + j}`));
  const writes = s.outBinding.map((b, k) => writeWord(s, b, `idx${k}`, `r[${k}]`));
  return `${declarations(s, 'u32')}
${FLOAT_MATH}
${INT_MATH}
${evaluator(s)}
@compute @workgroup_size(${WG})
fn main(${ENTRY_BUILTINS}) {
  ${FLAT_WG}
  let i = wgid * ${WG}u + li;
  if (i >= P[0]) { return; }
  ${indexCode}
  let r = ev(${reads.join(', ')});
  ${writes.join('\n  ')}
}`;
}

/**
 * Contiguous form: every view is contiguous with an offset that is a multiple of 4 and the
 * element count is too, so each thread moves one vec4 of words per view (a quarter of the
 * threads, wide loads). `offsetWord[v]` is the word of P holding view v's offset.
 */
export function exprVec4Shader(s: ExprShader, offsetWord: readonly number[]): string {
  const nOut = s.outputs.length;
  const q = (v: number) => `(P[${offsetWord[v]}] >> 2u) + i`;
  const loads = Array.from({ length: s.inputs }, (_, j) => `let x${j} = B${s.inBinding[j]}[${q(nOut + j)}];`);
  const lanes = ['x', 'y', 'z', 'w'];
  const calls = lanes.map(
    (l, k) => `let r${k} = ev(${Array.from({ length: s.inputs }, (_, j) => `x${j}.${l}`).join(', ')});`,
  );
  const writes = s.outBinding.map(
    (b, k) => `B${b}[${q(k)}] = vec4<u32>(r0[${k}], r1[${k}], r2[${k}], r3[${k}]);`,
  );
  return `${FLOAT_MATH}
${INT_MATH}
${declarations(s, 'vec4<u32>')}
${evaluator(s)}
@compute @workgroup_size(${WG})
fn main(${ENTRY_BUILTINS}) {
  ${FLAT_WG}
  let i = wgid * ${WG}u + li;
  if (i >= (P[0] >> 2u)) { return; }
  ${loads.join('\n  ')}
  ${calls.join('\n  ')}
  ${writes.join('\n  ')}
}`;
}

/** Identity and combine of a reduction accumulator of dtype `t` (not the float sum). */
function combiner(op: ExprReduce['op'], t: DType): { identity: string; fn: string; name: string } {
  const ty = wgslType(t);
  const name = `comb_${op}_${t}`;
  const f = t === 'float32';
  // sum: the float32 sum takes the compensated path; this is the int32 one.
  let identity = '0';
  let body = 'return a + b;';
  switch (op) {
    case 'prod':
      identity = f ? '1.0' : '1';
      body = 'return a * b;';
      break;
    case 'max':
      identity = f ? '-infF()' : '-2147483647 - 1';
      body = f
        ? 'if (isNan(a)) { return a; } if (isNan(b)) { return b; } return max(a, b);'
        : 'return max(a, b);';
      break;
    case 'min':
      identity = f ? 'infF()' : '2147483647';
      body = f
        ? 'if (isNan(a)) { return a; } if (isNan(b)) { return b; } return min(a, b);'
        : 'return min(a, b);';
      break;
  }
  return { identity, name, fn: `fn ${name}(a: ${ty}, b: ${ty}) -> ${ty} { ${body} }` };
}

/**
 * Reduction form: one workgroup of `size` threads per row of [outer, inner]. Each thread
 * evaluates the program at k = li, li + size, ... and folds the outputs; a shared-memory tree
 * combines the threads. float32 sums are compensated as in the reduce kernel (TwoSum), so a
 * fused sum is at least as accurate as the reduce of the materialised values. `indexCode`
 * defines idx0.. (inputs only) from `i`; `rowWord` is the word of P holding [outer, inner,
 * 0 (TWO_SUM's barrier), then per output: offset, stride].
 */
export function exprReduceShader(
  s: ExprShader,
  r: ExprReduce,
  indexCode: string,
  size: number,
  rowWord: number,
  perRow = false,
): string {
  const reads = Array.from({ length: s.inputs }, (_, j) => readWord(s, s.inBinding[j], `idx${j}`));
  const decls = new Set<string>();
  const inits: string[] = [];
  const folds: string[] = [];
  const finals: string[] = [];
  const trees = new Set<string>();
  s.outTypes.forEach((t, k) => {
    if (t === 'bool')
      throw new Error(`@layers/backend-webgpu: expression ${r.op} over bool is not supported`);
    const word = `r[${k}]`;
    const val = fromWord(t, word);
    const at = `P[${rowWord + 3 + 2 * k}] + row * P[${rowWord + 4 + 2 * k}]`;
    const store = (word: string) => writeWord(s, s.outBinding[k], at, word);
    if (r.op === 'sum' && t === 'float32') {
      inits.push(`var a${k} = vec2<f32>(0.0, 0.0);`);
      folds.push(`a${k} = twoSum(a${k}, vec2<f32>(${val}, 0.0));`);
      if (perRow) {
        finals.push(store(`bitcast<u32>(sumOut(a${k}))`));
        return;
      }
      trees.add(wgSumTree(size));
      finals.push(`let s${k} = wgSum(a${k}, li);`, `if (li == 0u) { ${store(`bitcast<u32>(s${k})`)} }`);
      return;
    }
    const c = combiner(r.op, t);
    decls.add(c.fn);
    const tree = `wgRed_${r.op}_${t}`;
    if (!perRow) trees.add(wgReduceTree(wgslType(t), c.name, size, tree));
    inits.push(`var a${k}: ${wgslType(t)} = ${c.identity};`);
    folds.push(`a${k} = ${c.name}(a${k}, ${val});`);
    // An empty int32 max/min row is core's identity (+-inf) rounded to int32: 0.
    const res =
      t === 'int32' && (r.op === 'max' || r.op === 'min') ? `select(s${k}, 0, inner == 0u)` : `s${k}`;
    if (perRow) finals.push(`let s${k} = a${k};`, store(toWord(t, res)));
    else finals.push(`let s${k} = ${tree}(a${k}, li);`, `if (li == 0u) { ${store(toWord(t, res))} }`);
  });
  // Short rows: one thread per row (a workgroup per row would leave most threads idle).
  const rowCode = perRow
    ? `let row = wgid * ${size}u + li;
  if (row >= P[${rowWord}]) { return; }
  let first = 0u;
  let step = 1u;`
    : `let row = wgid;
  let first = li;
  let step = ${size}u;`;
  return `${declarations(s, 'u32')}
${FLOAT_MATH}
${INT_MATH}
${TWO_SUM}
${evaluator(s)}
${[...decls].join('\n')}
${[...trees].join('\n')}
@compute @workgroup_size(${size})
fn main(${ENTRY_BUILTINS}) {
  ${FLAT_WG}
  opqZero = P[${rowWord + 2}];
  ${rowCode}
  let inner = P[${rowWord + 1}];
  ${inits.join('\n  ')}
  for (var k = first; k < inner; k += step) {
    let i = row * inner + k;
    ${indexCode}
    let r = ev(${reads.join(', ')});
    ${folds.join('\n    ')}
  }
  ${finals.join('\n  ')}
}`;
}
