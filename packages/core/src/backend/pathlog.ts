/**
 * Records which implementation served each fused op: the backend's fast path or core's
 * fallback built from primitives. The conformance suite reads it for its coverage matrix.
 */
const fusedUsed = new Set<string>();
const fallbackUsed = new Set<string>();

export const pathLog = {
  reset(): void {
    fusedUsed.clear();
    fallbackUsed.clear();
  },
  fused(): string[] {
    return [...fusedUsed].sort();
  },
  fallback(): string[] {
    return [...fallbackUsed].sort();
  },
  record(name: string, fused: boolean): void {
    (fused ? fusedUsed : fallbackUsed).add(name);
  },
};
