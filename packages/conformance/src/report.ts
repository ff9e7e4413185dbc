/**
 * The coverage matrix: per op, did every case pass, did one fail (with its worst error
 * relative to tolerance), or did it pass through core's fallback for a fused kernel?
 * `mergeReports` combines several backends' JSON reports into one op × backend table.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** 'missing': core does not export the op's API yet (an nn function still being written). */
export type OpStatus = 'pass' | 'fail' | 'fallback' | 'skip' | 'missing';

/** One op's row in a backend's conformance report. */
export interface OpEntry {
  /** The matrix cell: pass, fail, fallback (passed through core's fallback), skip or missing. */
  status: OpStatus;
  /** Cases within tolerance. */
  passed: number;
  /** Cases outside tolerance or that threw. */
  failed: number;
  /** Cases skipped through the backend's `skip` option. */
  skipped: number;
  /** Cases whose API core does not export yet. */
  missing: number;
  /** Largest error / tolerance ratio seen (over passing and failing cases). */
  worstRatio: number;
  /** The case with that ratio, and its failure message when it failed. */
  worstCase?: string;
  /** Each failed case's name and message. */
  failures: {
    /** Case name. */
    name: string;
    /** Why it failed. */
    message: string;
  }[];
  /** Fused kernels that went through core's fallback while this op's cases ran. */
  fallback: string[];
}

/**
 * A backend's conformance report: what `layers-conformance` writes to `conformance-report/<backend>.json`.
 */
export interface BackendReport {
  /** The backend's column name. */
  backend: string;
  /** ISO time the report was made. */
  generatedAt: string;
  /** Rows by op name. */
  ops: Record<string, OpEntry>;
}

function emptyEntry(): OpEntry {
  return {
    status: 'pass',
    passed: 0,
    failed: 0,
    skipped: 0,
    missing: 0,
    worstRatio: 0,
    failures: [],
    fallback: [],
  };
}

function statusOf(e: OpEntry): OpStatus {
  if (e.failed > 0) return 'fail';
  if (e.passed === 0) return e.missing > 0 ? 'missing' : 'skip';
  return e.fallback.length > 0 ? 'fallback' : 'pass';
}

/** Collects case results into a {@link BackendReport} while the suite runs. */
export class Recorder {
  /** Rows by op name, created on first use. */
  readonly ops: Record<string, OpEntry> = {};
  /** @param backend - Column name of the backend. */
  constructor(readonly backend: string) {}

  private entry(op: string): OpEntry {
    this.ops[op] ??= emptyEntry();
    return this.ops[op];
  }

  /**
   * Count one case of `op`: `r.ok` passed or not, `r.ratio` its worst error / tolerance, `r.fallback` the
   * fused kernels that fell back.
   */
  record(
    op: string,
    name: string,
    r: { ok: boolean; ratio: number; messages?: string[]; fallback?: string[] },
  ): void {
    const e = this.entry(op);
    if (r.ok) e.passed++;
    else {
      e.failed++;
      e.failures.push({ name, message: (r.messages ?? []).join('\n') });
    }
    if (r.ratio >= e.worstRatio || e.worstCase === undefined) {
      e.worstRatio = r.ratio;
      e.worstCase = name;
    }
    for (const f of r.fallback ?? []) if (!e.fallback.includes(f)) e.fallback.push(f);
    e.status = statusOf(e);
  }

  /** Count one case whose API core lacks. */
  missing(op: string): void {
    const e = this.entry(op);
    e.missing++;
    e.status = statusOf(e);
  }

  /** Count one skipped case. */
  skip(op: string): void {
    const e = this.entry(op);
    e.skipped++;
    e.status = statusOf(e);
  }

  /** The report, ops sorted by name, stamped with the current time. */
  toJSON(): BackendReport {
    const ops = Object.fromEntries(
      Object.keys(this.ops)
        .sort()
        .map((k) => [k, this.ops[k]]),
    );
    return { backend: this.backend, generatedAt: new Date().toISOString(), ops };
  }

  /** Write `<dir>/<backend>.json` and `.md`; dir is $LAYERS_CONFORMANCE_REPORT or ./conformance-report. */
  write(dir = process.env.LAYERS_CONFORMANCE_REPORT ?? join(process.cwd(), 'conformance-report')): string {
    const out = resolve(dir);
    mkdirSync(out, { recursive: true });
    const report = this.toJSON();
    writeFileSync(join(out, `${this.backend}.json`), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(out, `${this.backend}.md`), backendMarkdown(report));
    return out;
  }
}

function cell(e: OpEntry | undefined): string {
  if (!e) return '—';
  if (e.status === 'fail') return `FAIL ${e.failed}/${e.passed + e.failed} (x${fmtRatio(e.worstRatio)})`;
  if (e.status === 'fallback') return `fallback (${e.fallback.join(', ')})`;
  if (e.status === 'skip') return 'skip';
  if (e.status === 'missing') return 'missing API';
  return `pass ${e.passed}`;
}

function fmtRatio(r: number): string {
  return Number.isFinite(r) ? r.toPrecision(3) : 'inf';
}

/** One backend's report as markdown: a row per op, then every failing case's message. */
export function backendMarkdown(r: BackendReport): string {
  const lines = [
    `# Conformance: ${r.backend}`,
    '',
    `Generated ${r.generatedAt}. Ratio = worst |error| / tolerance (pass when <= 1).`,
    '',
    '| op | status | cases | worst ratio | worst case |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const [op, e] of Object.entries(r.ops)) {
    lines.push(
      `| ${op} | ${cell(e)} | ${e.passed + e.failed} | ${fmtRatio(e.worstRatio)} | ${e.worstCase ?? ''} |`,
    );
  }
  const failures = Object.values(r.ops).flatMap((e) => e.failures);
  if (failures.length) {
    lines.push('', '## Failures', '');
    for (const f of failures) lines.push(`- \`${f.name}\`: ${f.message.replace(/\n/g, ' / ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Compact op × status table for stdout: failing ops first, then counts. */
export function compactSummary(r: BackendReport): string {
  const entries = Object.entries(r.ops);
  const by = (s: OpStatus) => entries.filter(([, e]) => e.status === s).map(([op]) => op);
  const width = Math.max(4, ...entries.map(([op]) => op.length));
  const rows = entries
    .filter(([, e]) => e.status !== 'pass')
    .map(([op, e]) => `  ${op.padEnd(width)}  ${cell(e)}`);
  return [
    `conformance[${r.backend}]: ${by('pass').length} ops pass, ${by('fallback').length} via fallback, ` +
      `${by('fail').length} fail, ${by('skip').length} skipped, ${by('missing').length} missing in core`,
    ...rows,
    `  passing: ${by('pass').join(' ')}`,
  ].join('\n');
}

/** Read several `<backend>.json` reports and build one markdown matrix, op × backend. */
export function mergeReports(files: string[]): string {
  const reports = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as BackendReport);
  return mergeReportObjects(reports);
}

/** Several backends' reports as one markdown matrix, op × backend. */
export function mergeReportObjects(reports: BackendReport[]): string {
  const ops = [...new Set(reports.flatMap((r) => Object.keys(r.ops)))].sort();
  const lines = [
    `| op | ${reports.map((r) => r.backend).join(' | ')} |`,
    `| --- |${reports.map(() => ' --- |').join('')}`,
  ];
  for (const op of ops) lines.push(`| ${op} | ${reports.map((r) => cell(r.ops[op])).join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}
