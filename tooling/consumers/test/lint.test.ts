// publint and arethetypeswrong on every packed tarball: both must have nothing to report.
import { describe, expect, inject, it } from 'vitest';
import { attw, publint } from '../src/lint.mjs';

const { tarballs } = inject('consumers');

describe.each(Object.keys(tarballs))('%s tarball', (name) => {
  it('publint reports nothing', () => {
    expect(publint(tarballs[name])).toEqual([]);
  });
  it('arethetypeswrong reports nothing (node10, node16 CJS and ESM, bundler)', () => {
    expect(attw(tarballs[name])).toEqual([]);
  });
});
