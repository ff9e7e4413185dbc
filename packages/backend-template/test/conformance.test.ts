import { describeConformance } from '@layers/conformance';
import { createTemplateBackend } from '../src/index.js';

// The template implements only the required primitives: every fused op runs through
// core's fallbacks, which is exactly what this run proves.
describeConformance('template', async () => createTemplateBackend());
