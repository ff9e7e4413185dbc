const fusedUsed = new Set<string>();
const fallbackUsed = new Set<string>();

/**
 * Which implementation served each fused op since the last reset: the backend's fast path
 * or core's fallback. The conformance suite reads it for its coverage matrix.
 */
export const pathLog = {
  /** Forget what was recorded. */
  reset(): void {
    fusedUsed.clear();
    fallbackUsed.clear();
  },
  /** Names of the fused ops that ran the backend's kernel, sorted. */
  fused(): string[] {
    return [...fusedUsed].sort();
  },
  /** Names of the fused ops that ran core's fallback, sorted. */
  fallback(): string[] {
    return [...fallbackUsed].sort();
  },
  /** @internal Called by core's fused-op dispatch. */
  record(name: string, fused: boolean): void {
    (fused ? fusedUsed : fallbackUsed).add(name);
  },
};
