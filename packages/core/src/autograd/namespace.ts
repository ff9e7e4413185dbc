/** torch.autograd's functions, as the `autograd` namespace of `@layers/core`. */
export { type GradOptions, grad } from './grad.js';
export { gradcheck } from './gradcheck.js';
export { gradgradcheck } from './gradgradcheck.js';
