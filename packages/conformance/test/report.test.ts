import { describe, expect, it } from 'vitest';
import { compactSummary, mergeReportObjects, Recorder } from '../src/report.js';

describe('coverage report', () => {
  it('derives per-op status: fail beats fallback beats pass', () => {
    const r = new Recorder('cpu');
    r.record('add', 'elementwise/add/a', { ok: true, ratio: 0.2 });
    r.record('add', 'elementwise/add/b', { ok: false, ratio: 3, messages: ['bad'] });
    r.record('softmax', 'nn/softmax/a', { ok: true, ratio: 0.1, fallback: ['softmax'] });
    r.record('mul', 'elementwise/mul/a', { ok: true, ratio: 0 });
    r.skip('pow');
    r.missing('conv2d');
    const j = r.toJSON();
    expect(j.ops.add.status).toBe('fail');
    expect(j.ops.add.worstRatio).toBe(3);
    expect(j.ops.add.failures).toEqual([{ name: 'elementwise/add/b', message: 'bad' }]);
    expect(j.ops.softmax.status).toBe('fallback');
    expect(j.ops.mul.status).toBe('pass');
    expect(j.ops.pow.status).toBe('skip');
    expect(j.ops.conv2d.status).toBe('missing');
    expect(compactSummary(j)).toContain('1 ops pass, 1 via fallback, 1 fail, 1 skipped, 1 missing in core');
  });

  it('merges backends into one op x backend markdown matrix', () => {
    const a = new Recorder('cpu');
    a.record('add', 'x', { ok: true, ratio: 0 });
    a.record('softmax', 'y', { ok: true, ratio: 0, fallback: ['softmax'] });
    const b = new Recorder('wasm');
    b.record('add', 'x', { ok: false, ratio: Number.POSITIVE_INFINITY, messages: ['m'] });
    const md = mergeReportObjects([a.toJSON(), b.toJSON()]);
    expect(md.split('\n')).toEqual([
      '| op | cpu | wasm |',
      '| --- | --- | --- |',
      '| add | pass 1 | FAIL 1/1 (xinf) |',
      '| softmax | fallback (softmax) | — |',
      '',
    ]);
  });
});
