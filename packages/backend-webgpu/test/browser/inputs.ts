/** Deterministic inputs shared by the page and the Node-side checks. */
export function inputs() {
  const M = 37;
  const K = 29;
  const N = 70;
  let s = 12345;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround(((s >>> 8) / 16777216) * 4 - 2);
  };
  const a = Array.from({ length: M * K }, next);
  const b = Array.from({ length: K * N }, next);
  return { a, b, M, K, N, rows: 5, cols: 77 };
}
