// Runs once before the consumer tests: packs the packages and installs them into fresh
// projects in a temporary folder, handed to the tests through vitest's provide/inject.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { prepareProjects } from '../src/projects.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    consumers: { work: string; tarballs: Record<string, string>; projects: { cjs: string; esm: string } };
  }
}

export default function setup(project: TestProject): () => void {
  // LAYERS_CONSUMERS_WORK: a folder to fill once and keep (re-running one test file while
  // working on it); by default a fresh temporary folder, removed afterwards.
  const keep = process.env.LAYERS_CONSUMERS_WORK;
  const work = keep ?? mkdtempSync(join(tmpdir(), 'layers-consumers-'));
  const ready = keep !== undefined && existsSync(join(work, 'setup.json'));
  const state = ready ? JSON.parse(readFileSync(join(work, 'setup.json'), 'utf8')) : prepareProjects(work);
  if (keep !== undefined) writeFileSync(join(work, 'setup.json'), JSON.stringify(state));
  project.provide('consumers', { work, tarballs: state.tarballs, projects: state.projects });
  return () => {
    if (keep === undefined) rmSync(work, { recursive: true, force: true });
  };
}
