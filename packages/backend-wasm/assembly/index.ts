// Entry point of the kernels module (compiled by asc to dist/kernels.wasm).
export { heapBase, setThread } from './common';
export { binary, copy, fill, gather, scatterAdd, unary, where } from './elementwise';
export { gemm, gemmStrips, packB, scratchBytes } from './matmul';
export { depthwise, packWindows, weightGrad } from './conv';
export { addBias, adam, layerNorm, softmax } from './nn';
export { philox } from './philox';
export { reduce } from './reduce';
export { pool2d } from './pool';
export { gruCell, lstmCell } from './rnn';
