// Runs once before the consumer tests: packs the packages and installs them into fresh
// projects in a temporary folder, handed to the tests through vitest's provide/inject.
import { mkdtempSync, rmSync } from 'node:fs';
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
  const work = mkdtempSync(join(tmpdir(), 'layers-consumers-'));
  const { tarballs, projects } = prepareProjects(work);
  project.provide('consumers', { work, tarballs, projects });
  return () => rmSync(work, { recursive: true, force: true });
}
