import { createCpuBackend } from '@layers/backend-cpu';
import type { Backend } from '@layers/core';
import type { BenchSpec, Contender, Runner } from '../harness.js';
import { tensorRunner } from './layers-common.js';

export default function contender(): Contender {
  let backend: Backend | null = null;
  return {
    name: 'layers-cpu',
    family: 'cpu',
    ours: true,
    async init() {
      backend = await createCpuBackend();
    },
    async prepare(spec: BenchSpec): Promise<Runner | null> {
      if (!backend) throw new Error('layers-cpu: init() was not called');
      return tensorRunner(backend, spec);
    },
    async dispose() {
      await backend?.destroy?.();
      backend = null;
    },
  };
}
