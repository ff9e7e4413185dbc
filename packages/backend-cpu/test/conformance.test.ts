import { describeConformance } from '@layers/conformance';
import { createCpuBackend } from '../src/index.js';

// backendModule: how the memory soak's child process (plain node, as a user runs it) creates this backend.
describeConformance('cpu', () => createCpuBackend(), {
  backendModule: { specifier: '@layers/backend-cpu', factory: 'createCpuBackend' },
});
