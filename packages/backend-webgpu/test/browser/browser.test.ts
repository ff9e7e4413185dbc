/**
 * The backend in a real browser: Chromium (headless, SwiftShader's Vulkan for WebGPU) loads a
 * page served by Vite on 127.0.0.1 (localhost is a secure context, which WebGPU requires).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { philoxFill } from '@layers/core';
import { type BrowserContext, chromium } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../helpers.js';
import { inputs } from './inputs.js';

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-vulkan=swiftshader',
  '--enable-features=Vulkan',
  '--use-webgpu-adapter=swiftshader',
];

let server: ViteDevServer | null = null;
let context: BrowserContext | null = null;
let profile = '';
let results: Record<string, number[] | string> = {};

describe.skipIf(!existsSync(CHROMIUM))('backend-webgpu in Chromium', () => {
  beforeAll(async () => {
    server = await createServer({
      root: here,
      configFile: false,
      logLevel: 'error',
      server: {
        host: '127.0.0.1',
        port: 0,
        strictPort: false,
        hmr: false,
        fs: { allow: [join(here, '../..')] },
      },
      optimizeDeps: { noDiscovery: true, include: [] },
    });
    await server.listen();
    const address = server.httpServer?.address();
    if (!address || typeof address === 'string') throw new Error('vite did not report a port');
    profile = mkdtempSync(join(tmpdir(), 'layers-webgpu-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
    });
    const page = await context.newPage();
    const logs: string[] = [];
    page.on('console', (m) => logs.push(m.text()));
    page.on('pageerror', (e) => logs.push(String(e)));
    await page.goto(`http://127.0.0.1:${address.port}/index.html`);
    await page.waitForFunction(() => '__results' in window, null, { timeout: 60_000 });
    const r = await page.evaluate(() => (window as unknown as { __results: Promise<unknown> }).__results);
    if (typeof r === 'string') throw new Error(`page failed: ${r}\n${logs.join('\n')}`);
    results = r as Record<string, number[] | string>;
  });
  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const { a, b, M, K, N, rows, cols } = inputs();
  const x = a.slice(0, rows * cols);

  it('matmul (tiled path)', () => {
    const exp: number[] = [];
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a[m * K + k] * b[k * N + n];
        exp.push(s);
      }
    expectClose(results.matmul as number[], exp, 1e-4, 1e-4);
  });
  it('exp', () => {
    expectClose(results.exp as number[], x.map(Math.exp), 1e-6, 1e-6);
  });
  it('sum and argmax rows', () => {
    const sums: number[] = [];
    const arg: number[] = [];
    for (let r = 0; r < rows; r++) {
      const row = x.slice(r * cols, (r + 1) * cols);
      sums.push(row.reduce((p, q) => p + q, 0));
      arg.push(row.indexOf(Math.max(...row)));
    }
    expectClose(results.sum as number[], sums, 1e-5, 1e-6);
    expect(results.argmax).toEqual(arg);
  });
  it('softmax', () => {
    const exp: number[] = [];
    for (let r = 0; r < rows; r++) {
      const row = x.slice(r * cols, (r + 1) * cols);
      const m = Math.max(...row);
      const z = row.reduce((p, q) => p + Math.exp(q - m), 0);
      for (const v of row) exp.push(Math.exp(v - m) / z);
    }
    expectClose(results.softmax as number[], exp, 1e-7, 1e-5);
  });
  it('philox uniform matches core', () => {
    const ref = new Float32Array(10);
    philoxFill('uniform', { key: [1, 2], counter: [3, 4] }, ref);
    expect(results.uniform).toEqual(Array.from(ref));
  });
});
