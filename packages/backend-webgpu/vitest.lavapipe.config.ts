import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// Mesa's lavapipe (llvmpipe Vulkan, Mesa >= 25: Debian bookworm-backports' mesa-vulkan-drivers;
// .ci/run installs it) is a CPU Vulkan driver whose adapter has `shader-f16` and
// `timestamp-query`, which SwiftShader lacks: the native float16 kernels and the profiler's
// GPU timestamps are tested here. Debian 12's own Mesa 22.3 lavapipe is rejected by Dawn.
// LAYERS_LAVAPIPE_ICD points elsewhere (another distribution's path). Set after the base
// config's SwiftShader default and before vitest forks the workers, which inherit it.
const icd = process.env.LAYERS_LAVAPIPE_ICD ?? '/usr/share/vulkan/icd.d/lvp_icd.json';
if (!existsSync(icd)) {
  throw new Error(
    `vitest.lavapipe.config.ts: no lavapipe driver at ${icd}. On Debian 12: add bookworm-backports ` +
      'and `apt-get install -t bookworm-backports mesa-vulkan-drivers` (see .ci/run), or set LAYERS_LAVAPIPE_ICD.',
  );
}
process.env.VK_ICD_FILENAMES = icd;

export default defineConfig({
  test: {
    ...base.test,
    include: ['test/lavapipe/**/*.test.ts'],
    exclude: [],
    // Of the conformance suite only the 16-bit rows (half-ops fixtures, the half and amp
    // behaviour tests) run here; the rest already runs on SwiftShader. Tests of this folder
    // name their suites `lavapipe: ...`.
    testNamePattern: /^lavapipe: | (half-ops|behaviour half|behaviour amp) /,
  },
});
