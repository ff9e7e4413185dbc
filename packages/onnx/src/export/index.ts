/** ONNX export (engineer E). Filled in by the export commits. */
export {};
