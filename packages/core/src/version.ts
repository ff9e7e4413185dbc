/** This package's version: written by `pnpm release` (tooling/scripts/release.mjs), checked against package.json by a test. */
export const VERSION = '0.1.0';
