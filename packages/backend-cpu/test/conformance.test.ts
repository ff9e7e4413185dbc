import { describeConformance } from '@layers/conformance';
import { createCpuBackend } from '../src/index.js';

describeConformance('cpu', () => createCpuBackend());
