/** The playground's default backend: WebGPU only on a hardware adapter, as the CLI decides. */
import { describe, expect, it } from 'vitest';
import { defaultBackend, isSoftwareAdapter, type Support } from '../src/backends.js';

const wasm: Support = { name: 'wasm', available: true, detail: 'SIMD, 4 threads' };
const cpu: Support = { name: 'cpu', available: true, detail: 'plain TypeScript' };
const gpu = (software: boolean): Support => ({
  name: 'webgpu',
  available: true,
  detail: 'adapter',
  software,
});

describe('software adapters', () => {
  it('trusts isFallbackAdapter', () => {
    expect(isSoftwareAdapter({ isFallbackAdapter: true, vendor: 'nvidia' })).toBe(true);
  });
  it("recognises Chromium's SwiftShader and Mesa's CPU drivers by name", () => {
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true);
    expect(isSoftwareAdapter({ description: 'Microsoft Basic Render Driver' })).toBe(true);
  });
  it('leaves hardware adapters alone', () => {
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper' })).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'apple', architecture: 'metal-3', isFallbackAdapter: false })).toBe(
      false,
    );
    expect(isSoftwareAdapter({})).toBe(false);
  });
});

describe('default backend', () => {
  it('picks WebGPU on a hardware adapter', () => {
    expect(defaultBackend([gpu(false), wasm, cpu])).toBe('webgpu');
  });
  it('picks wasm over WebGPU on a software adapter', () => {
    expect(defaultBackend([gpu(true), wasm, cpu])).toBe('wasm');
  });
  it('falls back to cpu, then to a software WebGPU, then to nothing', () => {
    const noWasm = { ...wasm, available: false };
    expect(defaultBackend([{ ...gpu(false), available: false }, noWasm, cpu])).toBe('cpu');
    expect(defaultBackend([gpu(true), noWasm, { ...cpu, available: false }])).toBe('webgpu');
    expect(defaultBackend([{ ...cpu, available: false }])).toBe(null);
  });
});
