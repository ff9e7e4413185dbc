/**
 * Which kernel module runs: the relaxed-SIMD build where the engine validates relaxed SIMD
 * (Chrome 114+, Firefox 145+, Node 22+; Node 20 with --experimental-wasm-relaxed-simd) and
 * the file is there, the baseline SIMD build otherwise, or the one `simd` forces.
 */
import type { Host } from './host/host.js';
import { type Build, buildKey, KERNEL_FILES, loadKernels, type WasmPaths } from './loader.js';

/** The `simd` option of createWasmBackend: pick by feature detection, or force one build. */
export type SimdChoice = 'auto' | 'relaxed' | 'baseline';

/** The SIMD a backend's kernels use: 128-bit SIMD, plus relaxed SIMD's fused multiply-add. */
export type SimdLevel = 'simd128' | 'simd128+relaxed';

/**
 * The smallest module using a relaxed op: `() -> v128` returning f32x4.relaxed_madd of three
 * zero constants. Engines without relaxed SIMD reject the opcode (0xfd 0x105) in validation.
 */
function probeBytes(): Uint8Array<ArrayBuffer> {
  const zero = [0xfd, 0x0c, ...new Array<number>(16).fill(0)]; // v128.const 0
  const body = [0x00, ...zero, ...zero, ...zero, 0xfd, 0x85, 0x02, 0x0b]; // no locals ... end
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // magic, version 1
    ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b], // type section: () -> v128
    ...[0x03, 0x02, 0x01, 0x00], // function section: one function of type 0
    ...[0x0a, body.length + 2, 0x01, body.length, ...body], // code section
  ]);
}

let relaxedValid: boolean | undefined;

/** @internal Whether this engine runs relaxed SIMD (validated once per process). */
export function relaxedSimdSupported(): boolean {
  relaxedValid ??= WebAssembly.validate(probeBytes());
  return relaxedValid;
}

const HOW_TO_ENABLE =
  'relaxed SIMD runs by default in Chrome 114+, Firefox 145+ and Node 22+; Node 20 needs --experimental-wasm-relaxed-simd';

/** @internal The option checked: a clear error for anything but the three choices. */
export function simdChoice(value: unknown): SimdChoice {
  if (value === undefined) return 'auto';
  if (value === 'auto' || value === 'relaxed' || value === 'baseline') return value;
  throw new Error(`layers wasm: simd must be 'auto', 'relaxed' or 'baseline', got ${JSON.stringify(value)}`);
}

/**
 * @internal Compile the build for `shared` memory that `choice` asks for. 'auto' takes the
 * relaxed build where the engine runs it and its file can be read, the baseline otherwise
 * (a folder of `wasmPaths` holding only the baseline files keeps working).
 */
export async function loadChosen(
  shared: boolean,
  choice: SimdChoice,
  host: Host,
  paths: WasmPaths | undefined,
): Promise<{ module: WebAssembly.Module; relaxed: boolean }> {
  const supported = relaxedSimdSupported();
  if (choice === 'relaxed' && !supported)
    throw new Error(
      `layers wasm: simd: 'relaxed' was asked for, but this engine rejects relaxed SIMD; ${HOW_TO_ENABLE}`,
    );
  if (choice !== 'baseline' && supported) {
    const relaxed: Build = { shared, relaxed: true };
    try {
      const module = await loadKernels(relaxed, host, paths);
      if (module) return { module, relaxed: true };
      if (choice === 'relaxed')
        throw new Error(
          `layers wasm: simd: 'relaxed' was asked for, but wasmPaths has no ${buildKey(relaxed)} entry`,
        );
    } catch (e) {
      if (choice === 'relaxed') throw e;
    }
  }
  const module = await loadKernels({ shared, relaxed: false }, host, paths);
  if (!module)
    throw new Error(
      `layers wasm: no kernels module for ${KERNEL_FILES[buildKey({ shared, relaxed: false })]}`,
    );
  return { module, relaxed: false };
}

/** @internal Compile given bytes, saying why when they are the relaxed build on an engine without it. */
export async function compileGiven(given: WebAssembly.Module | BufferSource): Promise<WebAssembly.Module> {
  if (given instanceof WebAssembly.Module) return given;
  try {
    return await WebAssembly.compile(given);
  } catch (e) {
    if (e instanceof WebAssembly.CompileError && !relaxedSimdSupported())
      throw new Error(
        `layers wasm: wasmModule does not compile (${e.message}); if it is a relaxed-SIMD build (kernels-relaxed*.wasm), ${HOW_TO_ENABLE}, or pass a baseline build`,
      );
    throw e;
  }
}

/** @internal A given module must be the build `choice` forces (its relaxedSimd() export says which it is). */
export function checkGiven(choice: SimdChoice, relaxed: boolean): void {
  if (choice === 'auto' || (choice === 'relaxed') === relaxed) return;
  const is = relaxed ? 'a relaxed-SIMD build' : 'a baseline build';
  throw new Error(
    `layers wasm: simd: '${choice}' was asked for, but wasmModule is ${is}; pass the other file or drop the option`,
  );
}
