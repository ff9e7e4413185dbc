import type { IndexPlan } from '../kernels/common.js';

/**
 * Index code for the expression kernel's strided form, built on an {@link IndexPlan}'s
 * params (its layout: n, shape[rank], then per view offset, strides[rank]). Beyond the plan's
 * own code it shares work between views: views with equal strides (an LSTM step's eight gate
 * views, all [4H, 1]) compute their coordinate sum once, and strides of 0 and 1 are baked
 * into the shader (no multiply, no params load), so fifteen views cost two dot products
 * rather than fifteen. The pattern goes into the pipeline key; the values stay in params.
 * @internal
 */
export interface StridedIndex {
  /** Pipeline-key part: per view 'c' (contiguous) or its class, and each class's pattern. */
  key: string;
  /** WGSL defining idx0.. from `i`. */
  code: string;
}

export function stridedIndex(plan: IndexPlan, views: number): StridedIndex {
  const r = plan.rank;
  const base = (v: number) => 1 + r + v * (1 + r);
  const strides = (v: number) => plan.params.slice(base(v) + 1, base(v) + 1 + r);
  const classes: { strides: number[]; first: number }[] = [];
  const classOf: number[] = [];
  for (let v = 0; v < views; v++) {
    if (plan.contiguous[v]) {
      classOf.push(-1);
      continue;
    }
    const s = strides(v);
    let k = classes.findIndex((c) => c.strides.every((x, d) => x === s[d]));
    if (k < 0) k = classes.push({ strides: s, first: v }) - 1;
    classOf.push(k);
  }
  const lines: string[] = [];
  if (classes.length) {
    lines.push('var rem = i;');
    for (let d = r - 1; d >= 0; d--) lines.push(`let c${d} = rem % P[${1 + d}]; rem = rem / P[${1 + d}];`);
  }
  const pattern = classes.map((c, k) => {
    const terms: string[] = [];
    let pat = '';
    c.strides.forEach((s, d) => {
      pat += s === 0 ? '0' : s === 1 ? '1' : 's';
      if (s === 1) terms.push(`c${d}`);
      else if (s !== 0) terms.push(`c${d} * P[${base(c.first) + 1 + d}]`);
    });
    lines.push(`let t${k} = ${terms.length ? terms.join(' + ') : '0u'};`);
    return pat;
  });
  for (let v = 0; v < views; v++) {
    lines.push(`let idx${v} = P[${base(v)}] + ${classOf[v] < 0 ? 'i' : `t${classOf[v]}`};`);
  }
  return {
    key: `${r}:${classOf.map((k) => (k < 0 ? 'c' : k)).join('')}:${pattern.join(',')}`,
    code: lines.join('\n  '),
  };
}
