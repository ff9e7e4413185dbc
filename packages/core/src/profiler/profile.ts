/**
 * A profiler users can call: `profile(fn)` runs `fn` with every kernel of the backend
 * instrumented and reports, per kernel, how often it ran, how long it took and how many
 * bytes it touched.
 *
 * It works on any backend without the backend's help: for the duration of `fn` the
 * backend object's kernel methods are wrapped in place (tensors hold the backend by
 * identity, so a proxy would not see their calls) and restored afterwards, also when `fn`
 * throws. Host time is what the call took on the calling thread: on synchronous backends
 * (cpu, wasm) that is the kernel's run time; on queueing backends (webgpu) it is the time
 * to encode the work, and a backend that can time its device work (the optional
 * `Backend.profiling` hook, WebGPU timestamp queries) fills `deviceMs` as well.
 */
import type {
  Backend,
  DeviceProfileSession,
  ExpressionParams,
  FusedKernels,
  Kernels,
  View,
} from '../backend/contract.js';
import { getBackend } from '../backend/registry.js';
import { bytesPerElement } from '../tensor/dtype.js';
import { viewBytes } from './bytes.js';

/** One row of a {@link ProfileReport}: every call of one kernel (unary and binary ops by op name). */
export interface KernelStat {
  /** `binary:add`, `unary:relu`, `reduce:sum`, `matmul`, `fused:conv2d`, `write`, ... */
  readonly name: string;
  /** How many times the kernel ran. */
  readonly calls: number;
  /** Host milliseconds spent in the calls (enqueue time on queueing backends). */
  readonly hostMs: number;
  /** Device milliseconds, where the backend reports them (`null` otherwise). */
  readonly deviceMs: number | null;
  /** Bytes the kernel read and wrote: every element of every view once (broadcast dims not repeated). */
  readonly bytes: number;
  /**
   * Elementwise ops these launches ran fused (expression kernels: every unary, binary, where
   * and cast node of the program, plus its reduction, per launch); 0 for other kernels.
   */
  readonly fusedOps: number;
}

/** What {@link profile} measured. */
export interface ProfileReport {
  /** The profiled backend's name. */
  readonly backend: string;
  /** Wall-clock milliseconds of the whole call, including the final device sync. */
  readonly wallMs: number;
  /** Kernel launches in all (every compute call; `write` and `read` not counted). */
  readonly kernels: number;
  /** Launches of the backend's optional fused kernels (conv2d, softmax, expression, ...). */
  readonly fusedKernels: number;
  /**
   * Elementwise ops that ran inside expression kernels (see {@link KernelStat.fusedOps}): each
   * would have been a kernel of its own without fusion.
   */
  readonly fusedOps: number;
  /** Bytes moved by all kernel launches. */
  readonly bytes: number;
  /** One row per kernel name, the most expensive first (device time where known, else host time). */
  readonly byKernel: readonly KernelStat[];
  /** The rows as an aligned text table, for logs. */
  table(): string;
}

/** Options of {@link profile}. */
export interface ProfileOptions {
  /** The backend to instrument (default: the current one). */
  readonly backend?: Backend;
}

/** The result of {@link profile}: what `fn` returned and what was measured. */
export interface Profiled<T> {
  /** `fn`'s return value (awaited). */
  readonly result: T;
  /** The measurements. */
  readonly report: ProfileReport;
}

const KERNELS = [
  'unary',
  'binary',
  'where',
  'copy',
  'fill',
  'reduce',
  'matmul',
  'gather',
  'scatterAdd',
  'random',
] as const satisfies readonly (keyof Kernels)[];
/** Kernels named by their first argument (the op), so `binary:add` and `binary:mul` get their own rows. */
const BY_OP = new Set<string>(['unary', 'binary', 'reduce']);
const TRANSFERS = ['write', 'read'] as const;

interface Acc {
  calls: number;
  hostMs: number;
  bytes: number;
  fusedOps: number;
}

let active = false;

/**
 * Run `fn` with every kernel of the backend instrumented, then wait for the backend's queued
 * work, and report per-kernel calls, time and bytes.
 *
 * Only one profile runs at a time (nested or concurrent calls throw). Work started inside
 * `fn` but not awaited by it may be counted partly.
 *
 * @example
 * ```ts
 * const { report } = await profile(async () => {
 *   const loss = ce.forward(model.forward(x), y);
 *   loss.backward();
 *   opt.step();
 *   return loss.item();
 * });
 * console.log(`${report.kernels} kernels\n${report.table()}`);
 * ```
 */
export async function profile<T>(
  fn: () => T | Promise<T>,
  options: ProfileOptions = {},
): Promise<Profiled<T>> {
  if (active) throw new Error('profile: another profile is already running; profiles cannot nest');
  const backend = options.backend ?? getBackend();
  const stats = new Map<string, Acc>();
  const device = backend.profiling?.start() ?? null;
  const restore = instrument(backend, stats, device);
  active = true;
  const t0 = performance.now();
  let result: T;
  let wallMs: number;
  let deviceTimes: ReadonlyMap<string, number> | null = null;
  try {
    result = await fn();
    await backend.sync?.();
    wallMs = performance.now() - t0;
  } finally {
    restore();
    active = false;
    // Stopped also on failure, so the device goes back to untimed (batched) dispatch.
    const stopped = device?.stop() ?? null;
    deviceTimes = stopped ? await stopped : null;
  }
  return { result, report: buildReport(backend.name, wallMs, stats, deviceTimes) };
}

function account(stats: Map<string, Acc>, name: string, ms: number, bytes: number, fusedOps: number): void {
  const acc = stats.get(name);
  if (acc) {
    acc.calls++;
    acc.hostMs += ms;
    acc.bytes += bytes;
    acc.fusedOps += fusedOps;
  } else {
    stats.set(name, { calls: 1, hostMs: ms, bytes, fusedOps });
  }
}

/** The expression call of `fused.expression(p)`, if `args` is one. */
function expressionCall(args: readonly unknown[]): ExpressionParams | null {
  const p = args[0] as Partial<ExpressionParams> | undefined;
  return p && typeof p === 'object' && p.program && Array.isArray(p.inputs) ? (p as ExpressionParams) : null;
}

/** Ops an expression launch fuses: its unary, binary, where and cast nodes, plus the reduction. */
function fusedOpsOf(args: readonly unknown[]): number {
  const call = expressionCall(args);
  if (!call) return 0;
  let n = call.program.reduce ? 1 : 0;
  for (const node of call.program.nodes)
    if (node.kind !== 'load' && node.kind !== 'const' && node.kind !== 'param') n++;
  return n;
}

function expressionBytes(args: readonly unknown[]): number {
  const call = expressionCall(args);
  return call ? argBytes([...call.inputs, ...call.outputs]) : argBytes(args);
}

function argBytes(args: readonly unknown[]): number {
  let bytes = 0;
  for (const a of args) if (isView(a)) bytes += viewBytes(a);
  return bytes;
}

function isView(a: unknown): a is View {
  return typeof a === 'object' && a !== null && 'buffer' in a && 'strides' in a && 'dtype' in a;
}

/** Wrap the backend's kernels in place; returns the function that puts the originals back. */
function instrument(
  backend: Backend,
  stats: Map<string, Acc>,
  device: DeviceProfileSession | null,
): () => void {
  const undo: (() => void)[] = [];
  let depth = 0;
  const wrap = (
    target: object,
    key: string,
    label: (args: unknown[]) => string,
    bytes: (args: unknown[]) => number,
  ) => {
    const t = target as Record<string, unknown>;
    const original = t[key];
    if (typeof original !== 'function') return;
    const own = Object.hasOwn(t, key);
    const call = original as (...a: unknown[]) => unknown;
    t[key] = function (this: unknown, ...args: unknown[]) {
      // A kernel that calls another kernel of the backend (a fused conv running its GEMM
      // through `this.matmul`) is one launch: only the outermost call is counted.
      if (depth > 0) return call.apply(this, args);
      const name = label(args);
      device?.enter(name);
      depth++;
      const start = performance.now();
      try {
        return call.apply(this, args);
      } finally {
        depth--;
        account(stats, name, performance.now() - start, bytes(args), fusedOpsOf(args));
      }
    };
    undo.push(() => {
      if (own) t[key] = original;
      else delete t[key];
    });
  };
  for (const k of KERNELS)
    wrap(backend, k, (args) => (BY_OP.has(k) ? `${k}:${String(args[0])}` : k), argBytes);
  wrap(
    backend,
    'write',
    () => 'write',
    (args) => (args[2] as { byteLength: number }).byteLength,
  );
  wrap(
    backend,
    'read',
    () => 'read',
    (args) => bytesOfDtype(args[1] as View['dtype']) * (args[2] as number),
  );
  const fused = backend.fused as Record<string, unknown>;
  for (const k of Object.keys(fused) as (keyof FusedKernels)[]) {
    if (k === 'expression') {
      // One row per program name (`fused:expression:gelu`), so a profile says what was fused.
      wrap(
        fused,
        k,
        (args) => `fused:expression:${expressionCall(args)?.program.name ?? '?'}`,
        expressionBytes,
      );
    } else wrap(fused, k, () => `fused:${k}`, argBytes);
  }
  return () => {
    for (let i = undo.length - 1; i >= 0; i--) undo[i]?.();
  };
}

function bytesOfDtype(dtype: View['dtype']): number {
  return bytesPerElement(dtype);
}

function buildReport(
  backend: string,
  wallMs: number,
  stats: Map<string, Acc>,
  deviceTimes: ReadonlyMap<string, number> | null,
): ProfileReport {
  const rows: KernelStat[] = [...stats].map(([name, a]) => ({
    name,
    calls: a.calls,
    hostMs: a.hostMs,
    deviceMs: deviceTimes ? (deviceTimes.get(name) ?? 0) : null,
    bytes: a.bytes,
    fusedOps: a.fusedOps,
  }));
  const cost = (r: KernelStat) => r.deviceMs ?? r.hostMs;
  rows.sort((a, b) => cost(b) - cost(a) || a.name.localeCompare(b.name));
  const launches = rows.filter((r) => !(TRANSFERS as readonly string[]).includes(r.name));
  const sum = (xs: readonly KernelStat[], f: (r: KernelStat) => number) => xs.reduce((s, r) => s + f(r), 0);
  return {
    backend,
    wallMs,
    kernels: sum(launches, (r) => r.calls),
    fusedKernels: sum(
      launches.filter((r) => r.name.startsWith('fused:')),
      (r) => r.calls,
    ),
    bytes: sum(launches, (r) => r.bytes),
    fusedOps: sum(launches, (r) => r.fusedOps),
    byKernel: rows,
    table: () => formatTable(rows, wallMs),
  };
}

function formatTable(rows: readonly KernelStat[], wallMs: number): string {
  const device = rows.some((r) => r.deviceMs !== null);
  const fusedCol = rows.some((r) => r.fusedOps > 0);
  const head = [
    'kernel',
    'calls',
    'host ms',
    ...(device ? ['device ms'] : []),
    'MB',
    ...(fusedCol ? ['fused ops'] : []),
  ];
  const body = rows.map((r) => [
    r.name,
    String(r.calls),
    r.hostMs.toFixed(3),
    ...(device ? [(r.deviceMs ?? 0).toFixed(3)] : []),
    (r.bytes / 1e6).toFixed(3),
    ...(fusedCol ? [r.fusedOps > 0 ? String(r.fusedOps) : ''] : []),
  ]);
  const all = [head, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [...all.map(line), `wall ${wallMs.toFixed(3)} ms`].join('\n');
}
