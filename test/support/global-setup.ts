import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../apps/server/src/platform/db/embedded.ts';
import { ensureFreshWebBuild } from './web-build.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the test PostgreSQL server; each test file creates its own database there. */
    pgAdminUrl: string;
  }
}

/**
 * A fresh console build, and one real PostgreSQL for the whole run: the embedded server by default, or
 * the server at POSTDESK_TEST_DATABASE_URL (a superuser URL) when set.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await ensureFreshWebBuild();
  const external = process.env.POSTDESK_TEST_DATABASE_URL;
  if (external) {
    project.provide('pgAdminUrl', external);
    return async () => undefined;
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'postdesk-test-pg-'));
  const server = await startEmbeddedPostgres(dir, { database: 'postgres' });
  project.provide('pgAdminUrl', server.url);
  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
