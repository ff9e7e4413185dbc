/**
 * The per-dimension public classes of a dimension-generic module (Conv1d/2d/3d,
 * ConvTranspose1d/2d/3d): `Base` with its leading dimension argument fixed. Each public class
 * extends one and keeps its own name (in errors and repr) and docs; its constructor takes the
 * rest of `Base`'s arguments, names and defaults included.
 */
export function withDims<A extends unknown[], I>(
  Base: abstract new (d: number, ...args: A) => I,
  d: number,
): new (
  ...args: A
) => I {
  // TypeScript lets a class extend a constructor of `any[]` only; the result is typed above.
  const B = Base as unknown as new (...args: any[]) => object;
  return class extends B {
    constructor(...args: A) {
      super(d, ...args);
    }
  } as unknown as new (
    ...args: A
  ) => I;
}
