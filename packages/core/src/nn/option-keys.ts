/**
 * The option names of F's functions and their modules, for unknown-option errors: TypeScript
 * interfaces do not exist at run time, so each accepted key is listed once here and shared
 * by the F function and the module that wraps it. Internal (not exported from nn or F).
 */
/** Every loss takes a reduction. */
export const R = ['reduction'];
/** The option names of each loss, by layer name (shared by F and the loss modules). */
export const LOSS_KEYS: Readonly<Record<string, readonly string[]>> = {
  MSELoss: R,
  L1Loss: R,
  SmoothL1Loss: [...R, 'beta'],
  HuberLoss: [...R, 'delta'],
  NLLLoss: [...R, 'weight', 'ignoreIndex'],
  CrossEntropyLoss: [...R, 'weight', 'ignoreIndex', 'labelSmoothing'],
  BCELoss: [...R, 'weight'],
  BCEWithLogitsLoss: [...R, 'weight', 'posWeight'],
  KLDivLoss: [...R, 'logTarget'],
  CosineEmbeddingLoss: [...R, 'margin'],
  MarginRankingLoss: [...R, 'margin'],
  HingeEmbeddingLoss: [...R, 'margin'],
  SoftMarginLoss: R,
  MultiLabelSoftMarginLoss: [...R, 'weight'],
  MultiLabelMarginLoss: R,
  MultiMarginLoss: [...R, 'p', 'margin', 'weight'],
  TripletMarginLoss: [...R, 'margin', 'p', 'eps', 'swap'],
  PoissonNLLLoss: [...R, 'logInput', 'full', 'eps'],
  GaussianNLLLoss: [...R, 'full', 'eps'],
  CTCLoss: [...R, 'blank', 'zeroInfinity'],
};

/** The keys of MaxPoolOptions, for unknown-option errors. */
export const MAX_POOL_KEYS = ['stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'] as const;
/** The keys of AvgPoolOptions, for unknown-option errors. */
export const AVG_POOL_KEYS = ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'] as const;

/** The keys of EmbeddingOptions, for unknown-option errors. */
export const EMBEDDING_KEYS = ['paddingIdx', 'maxNorm', 'normType', 'scaleGradByFreq', 'sparse'] as const;

/** The keys of InterpolateOptions, for unknown-option errors. */
export const INTERPOLATE_KEYS = ['size', 'scaleFactor', 'mode', 'alignCorners'] as const;

/** The keys of F.conv*'s ConvOptions. */
export const CONV_KEYS = ['stride', 'padding', 'dilation', 'groups'] as const;
/** The keys of F.convTranspose*'s ConvTransposeOptions. */
export const CONV_TRANSPOSE_KEYS = ['stride', 'padding', 'outputPadding', 'groups', 'dilation'] as const;
