/** ONNX import: run models exported by PyTorch (and other tools) as layers modules. */

export {
  type ImportOptions,
  importModel,
  MAX_OPSET,
  MIN_OPSET,
  OnnxModule,
  type OnnxValueInfo,
} from './module.js';
export { supportedOperators } from './ops/index.js';
