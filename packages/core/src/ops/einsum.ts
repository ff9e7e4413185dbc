/**
 * torch.einsum: Einstein summation over subscripts such as 'bij,bjk->bik'.
 *
 * Operands are contracted left to right, two at a time, each pair as one batched matmul:
 * subscripts shared and kept are the batch, shared and dropped are the contraction K, and
 * the rest are M (left) and N (right). A subscript repeated within one operand takes its
 * diagonal; one that appears in a single operand and not in the output is summed first.
 * '...' stands for the broadcast leading dims, as in PyTorch.
 */

import { tidy } from '../tensor/scope.js';
import { fmtShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { mul } from './elementwise.js';
import { bmm } from './linalg.js';
import { diagonal } from './rearrange.js';
import { sum } from './reduce.js';
import { expand, permute, reshape } from './view.js';

/** An operand with one subscript (a letter or an ellipsis dim) per dim. */
interface Term {
  t: Tensor;
  subs: string[];
}

const LETTER = /^[a-zA-Z]$/;

function parse(equation: string, operands: readonly Tensor[]): { inputs: string[][]; output: string[] } {
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhs] = eq.includes('->') ? eq.split('->') : [eq, undefined];
  const parts = (lhs ?? '').split(',');
  if (parts.length !== operands.length) {
    throw new RangeError(
      `einsum: the equation '${equation}' has ${parts.length} operand subscripts but ${operands.length} operands were given`,
    );
  }
  // First each operand's letters around its ellipsis and how many dims the ellipsis spans,
  // then the names: ellipsis dims are '.0', '.1', ... aligned from the right, as broadcasting
  // aligns them, so they need the widest ellipsis first.
  const split = parts.map((p, i) => {
    const t = operands[i] as Tensor;
    const letters = p.replace('...', '');
    for (const ch of letters) {
      if (!LETTER.test(ch))
        throw new RangeError(`einsum: invalid subscript '${ch}' in '${equation}' (use letters a-z, A-Z)`);
    }
    const hasEllipsis = p.includes('...');
    if (!hasEllipsis && letters.length !== t.ndim) {
      throw new RangeError(
        `einsum: subscripts '${p}' of operand ${i} name ${letters.length} dims but the operand has ${t.ndim} (shape ${fmtShape(t.shape)})`,
      );
    }
    const e = t.ndim - letters.length;
    if (hasEllipsis && e < 0) {
      throw new RangeError(
        `einsum: operand ${i} has ${t.ndim} dims, fewer than the ${letters.length} subscripts in '${p}'`,
      );
    }
    const [before, after] = hasEllipsis ? p.split('...') : [p, ''];
    return { before: before ?? '', dims: hasEllipsis ? e : 0, after: after ?? '' };
  });
  const ellipsisDims = Math.max(0, ...split.map((o) => o.dims));
  const fixed = split.map(({ before, dims, after }) => [
    ...before,
    ...Array.from({ length: dims }, (_, k) => `.${ellipsisDims - dims + k}`),
    ...after,
  ]);
  const dotsAll = Array.from({ length: ellipsisDims }, (_, k) => `.${k}`);
  let output: string[];
  if (rhs === undefined) {
    // Implicit output: the ellipsis dims, then letters that appear once, alphabetically.
    const counts = new Map<string, number>();
    for (const subs of fixed)
      for (const s of subs) if (!s.startsWith('.')) counts.set(s, (counts.get(s) ?? 0) + 1);
    output = [
      ...dotsAll,
      ...[...counts]
        .filter(([, n]) => n === 1)
        .map(([s]) => s)
        .sort(),
    ];
  } else {
    const letters = rhs.replace('...', '');
    for (const ch of letters) {
      if (!LETTER.test(ch)) throw new RangeError(`einsum: invalid output subscript '${ch}' in '${equation}'`);
      if (!fixed.some((subs) => subs.includes(ch))) {
        throw new RangeError(
          `einsum: output subscript '${ch}' does not appear in any input of '${equation}'`,
        );
      }
    }
    if (new Set(letters).size !== letters.length)
      throw new RangeError(`einsum: output subscript repeated in '${equation}'`);
    const [before, after] = rhs.includes('...') ? rhs.split('...') : [rhs, ''];
    output = [...(before ?? ''), ...(rhs.includes('...') ? dotsAll : []), ...(after ?? '')];
  }
  return { inputs: fixed, output };
}

/** Take diagonals for subscripts repeated within a term. */
function dedupe(term: Term): Term {
  let { t, subs } = term;
  for (;;) {
    const i = subs.findIndex((s, k) => subs.indexOf(s) !== k);
    if (i < 0) return { t, subs };
    const j = subs.indexOf(subs[i] as string);
    if (t.shape[i] !== t.shape[j]) {
      throw new RangeError(
        `einsum: subscript '${subs[i]}' is repeated for dims of sizes ${t.shape[j]} and ${t.shape[i]}`,
      );
    }
    t = diagonal(t, { dim1: j, dim2: i });
    subs = [...subs.filter((_, k) => k !== i && k !== j), subs[i] as string];
  }
}

/** Sum out the subscripts of `term` that nothing in `keep` needs. */
function sumUnused(term: Term, keep: Set<string>): Term {
  const dims = term.subs.map((s, i) => (keep.has(s) ? -1 : i)).filter((i) => i >= 0);
  if (dims.length === 0) return term;
  return { t: sum(term.t, dims), subs: term.subs.filter((s) => keep.has(s)) };
}

/** Size of each subscript, checking that every use agrees (size 1 broadcasts). */
function sizesOf(terms: readonly Term[]): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const { t, subs } of terms) {
    subs.forEach((s, i) => {
      const n = t.shape[i] as number;
      const prev = sizes.get(s);
      if (prev === undefined || prev === 1) sizes.set(s, n);
      else if (n !== prev && n !== 1) {
        throw new RangeError(
          `einsum: subscript '${s.startsWith('.') ? '...' : s}' has size ${prev} in one operand and ${n} in another`,
        );
      }
    });
  }
  return sizes;
}

/** Contract two terms, keeping the subscripts in `keep`, as one bmm. */
function contract(a: Term, b: Term, keep: Set<string>, sizes: Map<string, number>): Term {
  const inA = new Set(a.subs);
  const inB = new Set(b.subs);
  const batch = a.subs.filter((s) => inB.has(s) && keep.has(s));
  const k = a.subs.filter((s) => inB.has(s) && !keep.has(s));
  const m = a.subs.filter((s) => !inB.has(s));
  const n = b.subs.filter((s) => !inA.has(s));
  const size = (list: string[]) => list.reduce((p, s) => p * (sizes.get(s) ?? 1), 1);
  const arrange = (t: Term, order: string[], shape: number[]) => {
    const p = permute(
      t.t,
      order.map((s) => t.subs.indexOf(s)),
    );
    return reshape(
      expand(
        p,
        order.map((s) => sizes.get(s) ?? 1),
      ),
      shape,
    );
  };
  const B = size(batch);
  const left = arrange(a, [...batch, ...m, ...k], [B, size(m), size(k)]);
  const right = arrange(b, [...batch, ...k, ...n], [B, size(k), size(n)]);
  const subs = [...batch, ...m, ...n];
  return {
    t: reshape(
      bmm(left, right),
      subs.map((s) => sizes.get(s) ?? 1),
    ),
    subs,
  };
}

/**
 * torch.einsum: `einsum('ij,jk->ik', a, b)` is a @ b; `'ii->i'` a diagonal, `'ij->'` a sum,
 * `'bi,bi->b'` a batched dot, `'...ij->...ji'` a transpose of the last two dims. Without
 * '->', the output has the subscripts that appear once, in alphabetical order.
 */
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  if (operands.length === 0) throw new RangeError('einsum: expected at least one operand');
  for (const t of operands) t._check('einsum');
  const { inputs, output } = parse(equation, operands);
  return tidy(() => {
    let terms: Term[] = operands.map((t, i) => dedupe({ t, subs: inputs[i] as string[] }));
    const sizes = sizesOf(terms);
    const needed = (except: number) => {
      const s = new Set(output);
      terms.forEach((t, i) => {
        if (i !== except) for (const x of t.subs) s.add(x);
      });
      return s;
    };
    terms = terms.map((t, i) => sumUnused(t, needed(i)));
    let acc = terms[0] as Term;
    for (let i = 1; i < terms.length; i++) {
      const rest = new Set(output);
      for (let j = i + 1; j < terms.length; j++) for (const x of (terms[j] as Term).subs) rest.add(x);
      acc = contract(acc, terms[i] as Term, rest, sizes);
    }
    acc = sumUnused(acc, new Set(output));
    // Output order (permute returns a new handle, so the result never aliases an input's).
    const order = output.map((s) => acc.subs.indexOf(s));
    return order.length > 0 ? permute(acc.t, order) : acc.t === operands[0] ? mul(acc.t, 1) : acc.t;
  });
}
