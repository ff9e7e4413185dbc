/** ONNX export: layers modules → ONNX ModelProto bytes. */
export { type DynamicAxes, type ExportOptions, exportModel } from './export-model.js';
