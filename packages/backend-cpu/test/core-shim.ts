// Used by vitest.config.ts only while @layers/core has no build output yet.
export * from '../../core/src/backend/contract.js';
export * from '../../core/src/backend/philox.js';
