/**
 * End to end in headless Chromium: serve the built page with `vite preview`, train briefly on
 * every backend the page reports, draw a digit with the mouse, check the prediction, and
 * save a screenshot (test-results/playground.png).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from './net.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.LAYERS_CHROMIUM ?? '/usr/bin/chromium';

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((f) => newestMtime(join(path, f))));
}

/** Reuse dist when it is newer than the page's sources and its workspace dependencies' builds. */
async function ensureBuilt(): Promise<void> {
  const index = join(root, 'dist', 'index.html');
  const deps = readdirSync(join(root, 'node_modules', '@layers'))
    .map((d) => join(root, 'node_modules', '@layers', d, 'dist'))
    .filter((d) => existsSync(d));
  const sources = [
    ...['src', 'tools', 'index.html', 'vite.config.ts'].map((f) => join(root, f)),
    ...deps,
  ].map(newestMtime);
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(...sources)) return;
  await build({ root, logLevel: 'warn' });
}

let server: PreviewServer | undefined;
let context: BrowserContext | undefined;
let page: Page;
let url: string;
let profile: string;
const pageErrors: string[] = [];
const pageWarnings: string[] = [];
/** Every response the page received: url and body size in bytes. */
const responses: { url: string; bytes: number }[] = [];

beforeAll(async () => {
  await ensureBuilt();
  const port = await freePort();
  server = await preview({ root, logLevel: 'warn', preview: { host: '127.0.0.1', port, strictPort: true } });
  url = `http://127.0.0.1:${port}/`;
  profile = mkdtempSync(join(tmpdir(), 'layers-playground-'));
  // Playwright takes the profile directory as an argument rather than --user-data-dir.
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1000, height: 1250 },
    args: [
      '--no-sandbox',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Headless Chromium then exposes SwiftShader as a (fallback) WebGPU adapter.
      '--enable-unsafe-webgpu',
    ],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
    if (m.type() === 'warning') pageWarnings.push(m.text());
  });
  page.on('response', async (r) => {
    const body = await r.body().catch(() => null);
    responses.push({ url: r.url(), bytes: body?.length ?? 0 });
  });
});

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

interface Run {
  label: string;
  loss: [number, number][];
  accuracy: [number, number][];
}

/** Train with the given form settings; returns the run's chart data and final test accuracy. */
async function trainOn(
  name: string,
  settings: Record<string, number>,
): Promise<{ run: Run; accuracy: number }> {
  for (const [id, value] of Object.entries(settings)) await page.fill(`#${id}`, String(value));
  await page.check(`input[name="backend"][value="${name}"]`);
  await page.click('#train');
  await page.waitForSelector('#status[data-state="training"]');
  await page.waitForFunction(
    () => document.querySelector('#status')?.getAttribute('data-state') !== 'training',
    null,
    {
      timeout: 90_000,
    },
  );
  const status = await page.textContent('#status');
  expect(await page.getAttribute('#status', 'data-state'), String(status)).toBe('trained');
  console.log(`${name}: ${await page.textContent('#metrics')}`);
  const run = await page.evaluate(() => (globalThis as any).__playground.runs.at(-1) as Run);
  return { run, accuracy: Number(await page.getAttribute('#status', 'data-accuracy')) };
}

it('trains on every available backend and classifies a drawn digit', async () => {
  await page.goto(url);
  await page.waitForSelector('#status[data-state="ready"]', { timeout: 30_000 });

  // COOP/COEP from vite.config.ts make the page isolated, so the WASM backend gets threads.
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const available = await page.$$eval('#backends li[data-available="true"]', (lis) =>
    lis.map((li) => (li as HTMLElement).dataset.backend!),
  );
  const details = await page.$$eval('#backends li', (lis) => lis.map((li) => li.textContent));
  console.log(`backends: ${details.join(' | ')}`);
  expect(available).toEqual(expect.arrayContaining(['cpu', 'wasm']));

  // WebGPU is the default only on a hardware adapter; headless Chromium's is SwiftShader.
  const webgpuText = details.find((d) => d?.includes('webgpu')) ?? '';
  const gpuDefault = available.includes('webgpu') && !webgpuText.includes('software');
  const checked = await page.$eval('input[name="backend"]:checked', (i) => (i as HTMLInputElement).value);
  expect(checked, webgpuText).toBe(gpuDefault ? 'webgpu' : 'wasm');

  // The chart fills its panel at the device's pixel density, and starts with a sensible axis.
  const chart = await page.$eval('#chart', (c) => {
    const canvas = c as HTMLCanvasElement;
    const panel = canvas.parentElement!;
    const style = getComputedStyle(panel);
    const inner =
      panel.clientWidth - Number.parseFloat(style.paddingLeft) - Number.parseFloat(style.paddingRight);
    return { css: canvas.clientWidth, inner, backing: canvas.width, ratio: devicePixelRatio };
  });
  expect(chart.css).toBeCloseTo(chart.inner, 0);
  expect(chart.backing).toBe(Math.round(chart.css * chart.ratio));

  // 1. The same tiny run everywhere (WebGPU on SwiftShader trains at a few samples/s).
  // Same seed, data and Philox streams, so the first loss (a forward pass through identically
  // initialised weights, before any update) must agree across backends.
  const tiny = { 'train-size': 96, 'test-size': 50, epochs: 1, batch: 32, lr: 0.002 };
  const first: Record<string, number> = {};
  for (const name of available) {
    const { run } = await trainOn(name, tiny);
    expect(run.loss.length).toBeGreaterThan(0);
    first[name] = run.loss[0][1];
  }
  console.log(`first loss per backend: ${JSON.stringify(first)}`);
  // Ten classes at initialisation: the loss is near ln(10).
  expect(first.cpu).toBeGreaterThan(1.8);
  expect(first.cpu).toBeLessThan(3);
  for (const name of available) expect(Math.abs(first[name] - first.cpu), name).toBeLessThan(2e-3);

  // 2. A short real run on the CPU backends: 1,000 digits, one epoch. Chance is 10%.
  const short = { 'train-size': 1000, 'test-size': 500, epochs: 1, batch: 32, lr: 0.002 };
  for (const name of ['cpu', 'wasm']) {
    const { run, accuracy } = await trainOn(name, short);
    expect(accuracy, name).toBeGreaterThan(0.6);
    expect(run.loss.at(-1)![1], name).toBeLessThan(run.loss[0][1]);
  }

  // Draw a "1": one thick vertical stroke through the middle of the pad.
  const box = (await page.locator('#pad').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.52, box.y + box.height * 0.15);
  await page.mouse.down();
  for (let i = 1; i <= 20; i++) {
    await page.mouse.move(
      box.x + box.width * (0.52 - 0.04 * (i / 20)),
      box.y + box.height * (0.15 + 0.7 * (i / 20)),
    );
  }
  await page.mouse.up();
  await page.waitForFunction(() => document.querySelector('#prediction')?.getAttribute('data-digit') !== '');
  const digit = await page.getAttribute('#prediction', 'data-digit');
  const bars = await page.$$eval('#probs li', (lis) =>
    lis.map((li) => Number.parseFloat(li.lastChild!.textContent!)),
  );
  console.log(`prediction: ${await page.textContent('#prediction')}; probabilities % ${bars.join(' ')}`);
  expect(bars).toHaveLength(10);
  expect(bars.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);
  expect(digit).toBe('1');

  mkdirSync(join(root, 'test-results'), { recursive: true });
  await page.screenshot({ path: join(root, 'test-results', 'playground.png'), fullPage: true });

  // The digits arrive as one compact binary (the mnist JSON is 21 MB), fetched once.
  const digitFiles = responses.filter((r) => /digits|\/[0-9]\.json/.test(r.url));
  console.log(`digit payload: ${JSON.stringify(digitFiles)}`);
  expect(digitFiles.map((r) => new URL(r.url).pathname)).toEqual(['/digits.bin']);
  expect(digitFiles[0].bytes).toBeGreaterThan(1e6);
  expect(digitFiles[0].bytes).toBeLessThan(2 * 1024 * 1024);
  // The drawing pad reads pixels back after every stroke without a readback warning.
  expect(pageWarnings.filter((w) => w.includes('willReadFrequently'))).toEqual([]);

  // A phone: readable text, nothing wider than the screen, the chart as wide as its panel.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction(() => document.querySelector<HTMLCanvasElement>('#chart')!.clientWidth < 390);
  const phone = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    fontSize: Number.parseFloat(getComputedStyle(document.querySelector('#status')!).fontSize),
    labelSize: Number.parseFloat(getComputedStyle(document.querySelector('label')!).fontSize),
    buttonHeight: document.querySelector('#train')!.getBoundingClientRect().height,
    chart: document.querySelector<HTMLCanvasElement>('#chart')!.clientWidth,
  }));
  expect(phone.scrollWidth).toBeLessThanOrEqual(390);
  expect(phone.fontSize).toBeGreaterThanOrEqual(16);
  expect(phone.labelSize).toBeGreaterThanOrEqual(14);
  expect(phone.buttonHeight).toBeGreaterThanOrEqual(40);
  expect(phone.chart).toBeGreaterThan(300);
  await page.screenshot({ path: join(root, 'test-results', 'playground-phone.png'), fullPage: true });
  expect(pageErrors).toEqual([]);
});
