/** `linalg`: PyTorch's torch.linalg functions layers has (norms so far). */
export { type MatrixNormOptions, matrixNorm, norm, type VectorNormOptions, vectorNorm } from './norms.js';
