/** ONNX export: layers modules → ONNX ModelProto bytes. */
export { type DynamicAxes, type ExportOptions, exportModel } from './export-model.js';
export { type Attr, type Exporter, FloatAttr, float, Graph, Value } from './graph.js';
export { type ModuleClass, registerExporter } from './registry.js';
