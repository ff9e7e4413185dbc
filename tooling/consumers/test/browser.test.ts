// A Vite app and an esbuild app, built from the installed tarballs, train in headless
// Chromium on wasm and on webgpu (SwiftShader). The Vite page is cross-origin isolated
// (threads, kernels-relaxed.wasm found by Vite itself: Chromium runs relaxed SIMD); the
// esbuild page is not (one thread, kernels-relaxed-st.wasm located with `wasmPaths`,
// esbuild leaving the .wasm to the app).
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build as esbuild } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { build as viteBuild } from 'vite';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TRAIN_BODY } from '../src/projects.mjs';
import { serve } from '../src/serve.mjs';
import { expectTrained, type TrainResult } from './expect-trained.js';

const { projects } = inject('consumers');
const CHROMIUM = process.env.LAYERS_CHROMIUM ?? '/usr/bin/chromium';

// `lazy`: the backends load by dynamic import(), as a page that picks one at run time does.
// Vite (rolldown) warns about any chunk over 500 kB minified; core with both backends statically
// imported is past that (core 309 KB, webgpu 97 KB, wasm 34 KB by esbuild, more by rolldown), one
// backend per chunk is not. esbuild without `splitting` keeps the static form.
function main(wasmOptions: string, lazy = false): string {
  const wasm = lazy
    ? `(await import('@layers/backend-wasm')).createWasmBackend(${wasmOptions})`
    : `createWasmBackend(${wasmOptions})`;
  const webgpu = lazy
    ? `(await import('@layers/backend-webgpu')).createWebGPUBackend()`
    : 'createWebGPUBackend()';
  return `import * as core from '@layers/core';
${lazy ? '' : "import { createWasmBackend } from '@layers/backend-wasm';\nimport { createWebGPUBackend } from '@layers/backend-webgpu';\n"}${TRAIN_BODY}
const out = { crossOriginIsolated: globalThis.crossOriginIsolated };
for (const [name, make] of [['wasm', async () => ${wasm}], ['webgpu', async () => ${webgpu}]]) {
  try {
    const be = await make();
    out[name] = await train(core, be);
    out[name].threads = be.threads ?? null;
    out[name].simd = be.info?.simd ?? null;
    be.destroy?.();
  } catch (e) {
    out[name] = { error: String((e && e.stack) || e) };
  }
}
window.__layersResult = out;
`;
}

const html = (script: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>layers consumer</title></head><body><script type="module" src="${script}"></script></body></html>\n`;

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Headless Chromium then exposes SwiftShader as a (fallback) WebGPU adapter.
    args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--enable-unsafe-webgpu'],
  });
});
afterAll(async () => {
  await browser?.close();
});

async function runPage(root: string, isolated: boolean) {
  const server = await serve(root, { isolated });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(server.url);
    await page.waitForFunction(() => (window as any).__layersResult, null, { timeout: 150_000 });
    const result = await page.evaluate(() => (window as any).__layersResult);
    return { result, errors, requests: server.requests };
  } finally {
    await page.close();
    await server.close();
  }
}

function expectBoth(result: any, wasmThreads: (n: number) => void): void {
  for (const name of ['wasm', 'webgpu']) expect(result[name].error, `${name} failed`).toBeUndefined();
  expectTrained(result.wasm as TrainResult, 'wasm');
  expectTrained(result.webgpu as TrainResult, 'webgpu');
  wasmThreads(result.wasm.threads);
}

describe('browser apps', () => {
  it('Vite: builds without a warning, trains on wasm (threads) and webgpu', async () => {
    const app = join(projects.esm, 'vite-app');
    mkdirSync(app, { recursive: true });
    writeFileSync(join(app, 'index.html'), html('./main.js'));
    writeFileSync(join(app, 'main.js'), main('{}', true));
    const warnings: string[] = [];
    const logger = {
      info() {},
      warn: (m: string) => warnings.push(m),
      warnOnce: (m: string) => warnings.push(m),
      error: (m: string) => warnings.push(m),
      clearScreen() {},
      hasErrorLogged: () => false,
      hasWarned: false,
    };
    await viteBuild({
      root: app,
      logLevel: 'warn',
      customLogger: logger as any,
      build: { target: 'es2022' },
    });
    // Formerly three: node:os, node:worker_threads and node:fs/promises "externalized for browser compatibility".
    expect(warnings).toEqual([]);
    const { result, errors, requests } = await runPage(join(app, 'dist'), true);
    expect(errors).toEqual([]);
    expect(result.crossOriginIsolated).toBe(true);
    expectBoth(result, (t) => expect(t).toBeGreaterThan(1));
    // The page fetches only the build it runs: the threaded relaxed-SIMD kernels (Chromium
    // 114+ runs relaxed SIMD).
    expect(result.wasm.simd).toBe('simd128+relaxed');
    expect(
      requests
        .filter((r: string) => r.endsWith('.wasm'))
        .map((r: string) => r.replace(/-[\w-]{8}\.wasm$/, '.wasm')),
    ).toEqual(['/assets/kernels-relaxed.wasm']);
  });

  it('esbuild: wasmPaths locates the kernels; trains on wasm (one thread) and webgpu', async () => {
    const app = join(projects.esm, 'esbuild-app');
    mkdirSync(join(app, 'out', 'wasm'), { recursive: true });
    writeFileSync(join(app, 'main.js'), main("{ wasmPaths: '/wasm/' }"));
    writeFileSync(join(app, 'out', 'index.html'), html('./app.js'));
    const r = await esbuild({
      entryPoints: [join(app, 'main.js')],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      outfile: join(app, 'out', 'app.js'),
      logLevel: 'silent',
    });
    expect(r.warnings).toEqual([]);
    // esbuild does not copy assets referenced by new URL(): the app copies them (README).
    const dist = join(projects.esm, 'node_modules', '@layers', 'backend-wasm', 'dist');
    for (const f of ['kernels.wasm', 'kernels-st.wasm', 'kernels-relaxed.wasm', 'kernels-relaxed-st.wasm'])
      copyFileSync(join(dist, f), join(app, 'out', 'wasm', f));
    const { result, errors, requests } = await runPage(join(app, 'out'), false);
    expect(errors).toEqual([]);
    expect(result.crossOriginIsolated).toBe(false);
    expectBoth(result, (t) => expect(t).toBe(1));
    expect(result.wasm.simd).toBe('simd128+relaxed');
    expect(requests.filter((x: string) => x.endsWith('.wasm'))).toEqual(['/wasm/kernels-relaxed-st.wasm']);
  });
});
