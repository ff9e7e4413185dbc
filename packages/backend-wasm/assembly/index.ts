// Entry point of the kernels module (compiled by asc to dist/kernels.wasm).
export { heapBase, setThread } from './common';
export { binary, copy, fill, gather, scatterAdd, unary, where } from './elementwise';
export { gemm, gemmStrips, packB, scratchBytes } from './matmul';
export { addBias, depthwise, im2colPacked, layerNorm, softmax } from './nn';
export { relaxedSimd } from './fma';
export { philox } from './philox';
export { reduce } from './reduce';
export { pool2d } from './pool';
export { gruCell, lstmCell } from './rnn';
export { expr, exprReduce, exprTableBytes } from './expr';
