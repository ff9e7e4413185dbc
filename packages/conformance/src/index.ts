/**
 * `@layers/conformance`: the suite every layers backend runs, checked against PyTorch.
 *
 *   import { describeConformance } from '@layers/conformance';
 *   describeConformance('cpu', () => createCpuBackend());
 *
 * @packageDocumentation
 */

export {
  type ExprCase,
  type ExprCaseInput,
  randomCase as randomExprCase,
} from './behaviour/expr-programs.js';
export {
  buildSoakLoop,
  measureSoak,
  type SoakModel,
  type SoakOptions,
  type SoakResult,
  type SoakRun,
} from './behaviour/soak-loops.js';
export { type CompareOptions, type Comparison, compareTensor } from './compare.js';
export { type ConformanceOptions, describeConformance } from './describe.js';
export { type EncodedTensor, type FixtureCase, type FixtureFile, loadFixtures } from './fixtures.js';
export { type Arg, MissingApi, OPS, type OpFn, registerOps } from './ops.js';
export {
  type BackendReport,
  backendMarkdown,
  compactSummary,
  mergeReportObjects,
  mergeReports,
  type OpEntry,
  type OpStatus,
  Recorder,
} from './report.js';
export { type CaseResult, runCase } from './runner.js';
export {
  DEFAULT_TOLERANCES,
  mergeTolerances,
  type OpTolerance,
  type Tolerance,
  type ToleranceTable,
  toleranceFor,
} from './tolerances.js';
