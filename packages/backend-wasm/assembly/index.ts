// Entry point of the kernels module (compiled by asc to dist/kernels.wasm).
export { heapBase, setThread } from './common';
export { binary, copy, fill, gather, scatterAdd, unary, where } from './elementwise';
export { transpose, transposeItems } from './transpose';
export { gemm, gemmStrips, packB, scratchBytes } from './matmul';
export { convGemm, depthwise, weightGrad } from './conv';
export { relaxedSimd } from './fma';
export { addBias, layerNorm, softmax } from './nn';
export { philox } from './philox';
export { reduce } from './reduce';
export { pool2d } from './pool';
export { pool2dBackward } from './pool-grad';
export { gruCell, lstmCell } from './rnn';
export { expr, exprReduce, exprTableBytes } from './expr';
