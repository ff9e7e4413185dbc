/**
 * optim: optimizers, learning-rate schedulers and gradient clipping (torch.optim's API).
 * @packageDocumentation
 */
export { Adagrad, type AdagradOptions } from './adagrad.js';
export { Adam, type AdamOptions, AdamW } from './adam.js';
export { type ClipGradNormOptions, clipGradNorm_, clipGradValue_ } from './clip.js';
export {
  CosineAnnealingLR,
  ExponentialLR,
  LinearLR,
  LRScheduler,
  MultiStepLR,
  StepLR,
} from './lr_scheduler.js';
export { OneCycleLR, type OneCycleOptions } from './lr_scheduler_onecycle.js';
export {
  disposeOptimizer,
  Optimizer,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  type StateValue,
} from './optimizer.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export { SGD, type SGDOptions } from './sgd.js';
