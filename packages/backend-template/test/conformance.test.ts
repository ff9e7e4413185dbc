import { createCpuBackend } from '@layers/backend-cpu';
import { describeConformance } from '@layers/conformance';
import { createTemplateBackend } from '../src/index.js';

// The template implements only the required primitives: every fused op runs through
// core's fallbacks, which is exactly what this run proves.
// The differential programs compare each op with the cpu backend's.
describeConformance('template', async () => createTemplateBackend(), { reference: () => createCpuBackend() });
